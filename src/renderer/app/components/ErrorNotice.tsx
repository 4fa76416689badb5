// SPDX-License-Identifier: GPL-3.0-or-later
import type { WireError } from '../../../shared/errors';
import { en } from '../../i18n/en';
import { errorWords, type ErrorContext } from '../../i18n/errors';

/** An error as people should read it: what happened and what to do, in the wizard's words. */
export function ErrorNotice({
  error,
  context,
  id,
}: {
  error: WireError;
  context: ErrorContext;
  id?: string;
}) {
  const words = errorWords(error, context);
  return (
    <div className="notice notice-error" role="alert" id={id}>
      <p className="notice-title">{words.title}</p>
      <p>
        {words.text} {words.action}
      </p>
      {words.technical ? (
        <details className="technical">
          <summary>{en.app.technical}</summary>
          <p className="mono">{words.technical}</p>
        </details>
      ) : null}
    </div>
  );
}
