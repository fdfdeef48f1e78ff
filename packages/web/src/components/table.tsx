// A data table: column headers (th scope=col), an optional row header column, cells per row,
// an empty-state row, horizontally scrollable on a narrow window (and keyboard-scrollable).
import type { ReactNode } from 'react';

export interface Column<T> {
  /** The column header's text; columns without one (row actions) get no columnheader. */
  header?: string;
  cell: (row: T) => ReactNode;
  /** The first column can name the row (th scope=row). */
  rowHeader?: boolean;
  className?: string;
}

export function Table<T>({
  label,
  columns,
  rows,
  rowKey,
  empty,
  rowClassName,
}: {
  /** The table's accessible name (its caption, visually hidden). */
  label: string;
  columns: readonly Column<T>[];
  rows: readonly T[];
  rowKey: (row: T) => string;
  empty: ReactNode;
  rowClassName?: (row: T) => string | undefined;
}) {
  return (
    <div className="table-scroll" tabIndex={0} role="group" aria-label={label}>
      <table className="table">
        <caption className="visually-hidden">{label}</caption>
        <thead>
          <tr>
            {columns.map((c, i) =>
              c.header === undefined ? (
                <td key={i} className={c.className} />
              ) : (
                <th key={i} scope="col" className={c.className}>
                  {c.header}
                </th>
              ),
            )}
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 ? (
            <tr>
              <td colSpan={columns.length} className="table-empty">
                {empty}
              </td>
            </tr>
          ) : (
            rows.map((row) => (
              <tr key={rowKey(row)} className={rowClassName?.(row)}>
                {columns.map((c, i) =>
                  c.rowHeader ? (
                    <th key={i} scope="row" className={c.className}>
                      {c.cell(row)}
                    </th>
                  ) : (
                    <td key={i} className={c.className}>
                      {c.cell(row)}
                    </td>
                  ),
                )}
              </tr>
            ))
          )}
        </tbody>
      </table>
    </div>
  );
}
