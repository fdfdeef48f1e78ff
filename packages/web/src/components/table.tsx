// A data table: column headers (th scope=col), an optional row header column, cells per row,
// an empty-state row, horizontally scrollable on a narrow window (and keyboard-scrollable).
// Columns of low priority are hidden on a phone (under 640 px, styles.css), so the row's name, its
// status and its actions fit the window without a sideways scroll.
import type { ReactNode } from 'react';

export interface Column<T> {
  /** The column header's text; columns without one (row actions) get no columnheader. */
  header?: string;
  cell: (row: T) => ReactNode;
  /** The first column can name the row (th scope=row). */
  rowHeader?: boolean;
  className?: string;
  /** Rendered in the header instead of the text (a sort button); `header` stays its name. */
  headerContent?: ReactNode;
  ariaSort?: 'ascending' | 'descending' | 'none';
  /**
   * `low`: a detail the row is still understood without (who created it, counters, addresses);
   * hidden in a window under 640 px wide. The name, the status and the actions have none.
   */
  priority?: 'low';
}

/** The cell's classes: its own and, for a low-priority column, the one that hides it on a phone. */
function classesOf<T>(column: Column<T>): string | undefined {
  const classes = [column.className, column.priority === 'low' ? 'col-low' : undefined].filter(Boolean);
  return classes.length === 0 ? undefined : classes.join(' ');
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
                <td key={i} className={classesOf(c)} />
              ) : (
                <th key={i} scope="col" className={classesOf(c)} aria-sort={c.ariaSort}>
                  {c.headerContent ?? c.header}
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
                    <th key={i} scope="row" className={classesOf(c)}>
                      {c.cell(row)}
                    </th>
                  ) : (
                    <td key={i} className={classesOf(c)}>
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
