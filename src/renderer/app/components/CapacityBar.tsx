// SPDX-License-Identifier: GPL-3.0-or-later
import { en } from '../../i18n/en';
import { formatSize } from '../../i18n/sizes';
import type { Capacity } from '../../store/capacity';

const t = en.persistence;

/**
 * The stick as one bar, a segment per use. Widths are set through React's style prop, which
 * writes the CSSOM and is therefore allowed by the `style-src 'self'` policy.
 */
export function CapacityBar({ capacity, note }: { capacity: Capacity; note?: string }) {
  const total = Math.max(1, capacity.totalBytes + capacity.overBytes);
  const title = t.capacityLabel(formatSize(capacity.totalBytes));
  return (
    <figure className="capacity" aria-label={title}>
      <figcaption className="capacity-title">{title}</figcaption>
      <div
        className={`capacity-bar${capacity.overBytes > 0 ? ' capacity-over' : ''}`}
        aria-hidden="true"
      >
        {capacity.segments.map((segment) =>
          segment.bytes > 0 ? (
            <span
              key={segment.id}
              className={`capacity-segment segment-${segment.id}`}
              style={{ width: `${(segment.bytes / total) * 100}%` }}
            />
          ) : null,
        )}
      </div>
      <ul className="capacity-legend">
        {capacity.segments.map((segment) =>
          segment.bytes > 0 || segment.id === 'free' ? (
            <li key={segment.id}>
              <span className={`swatch segment-${segment.id}`} aria-hidden="true" />
              <span className="legend-name">{t.segments[segment.id]}</span>
              <span className="legend-size">{formatSize(segment.bytes)}</span>
            </li>
          ) : null,
        )}
      </ul>
      {note ? <p className="hint">{note}</p> : null}
      {capacity.overBytes > 0 ? (
        <p className="notice notice-error" role="alert">
          {t.overBy(formatSize(capacity.overBytes))}
        </p>
      ) : null}
    </figure>
  );
}
