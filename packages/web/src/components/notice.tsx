// Page-level notices ("Saved. …"): one live region (role=status) at the top of the page; a notice
// stays until dismissed or the page changes.
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';

interface Notice {
  id: number;
  text: string;
  tone: 'success' | 'info' | 'error';
}

const NoticeContext = createContext<(text: string, tone?: Notice['tone']) => void>(() => {});

export function useNotify() {
  return useContext(NoticeContext);
}

let nextId = 1;

export function NoticeProvider({ children, pageKey }: { children: ReactNode; pageKey: string }) {
  const [notices, setNotices] = useState<(Notice & { pageKey: string })[]>([]);
  const notify = useCallback(
    (text: string, tone: Notice['tone'] = 'success') =>
      setNotices((list) => [...list.filter((n) => n.text !== text), { id: nextId++, text, tone, pageKey }]),
    [pageKey],
  );
  const shown = notices.filter((n) => n.pageKey === pageKey);
  const value = useMemo(() => notify, [notify]);
  return (
    <NoticeContext.Provider value={value}>
      <div className="notices" role="status" aria-live="polite">
        {shown.map((n) => (
          <div key={n.id} className={`notice notice-${n.tone}`}>
            <p>{n.text}</p>
            <button
              type="button"
              className="icon-button"
              aria-label="Dismiss"
              title="Dismiss"
              onClick={() => setNotices((list) => list.filter((x) => x.id !== n.id))}
            >
              <span aria-hidden="true">×</span>
            </button>
          </div>
        ))}
      </div>
      {children}
    </NoticeContext.Provider>
  );
}
