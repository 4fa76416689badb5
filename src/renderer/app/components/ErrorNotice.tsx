// SPDX-License-Identifier: GPL-3.0-or-later
import type { WireError } from '../../../shared/errors';
import { ERROR_TEXT } from '../../../shared/messages';

/** An error as people should read it: what happened, the specifics, and what to do. */
export function ErrorNotice({ error, id }: { error: WireError; id?: string }) {
  const text = ERROR_TEXT[error.code];
  return (
    <div className="notice notice-error" role="alert" id={id}>
      <p className="notice-title">{text.title}</p>
      <p>
        {error.message.trim().replace(/\.$/, '')}. {text.action}
      </p>
    </div>
  );
}
