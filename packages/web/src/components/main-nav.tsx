// The top bar's navigation: the pages, the admin's name and what the shell puts after it (Sign
// out). Under 760 px it folds behind a Menu button (a WAI-ARIA disclosure, styles.css), so a
// phone's header is one short line; open, it closes when a page is chosen (the focus on that
// page's heading), on Escape (the focus back on the button) and on a click elsewhere.
import type { Admin } from '@cloudsiem/protocol';
import { useEffect, useId, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { hashOf, type Route } from '../routes.ts';

const NAV: { label: string; href: string; pages: Route['page'][] }[] = [
  { label: 'Overview', href: '#/', pages: ['overview'] },
  { label: 'SIEM agents', href: '#/siem-agents', pages: ['siem-agents', 'siem-agent'] },
  { label: 'Connectors', href: '#/settings/connectors', pages: ['connectors', 'connector'] },
  { label: 'Activity log', href: '#/audits', pages: ['activity-log'] },
  { label: 'Alerts', href: '#/alerts', pages: ['alerts'] },
  { label: 'Admins', href: '#/admins', pages: ['admins'] },
  { label: 'Policies', href: '#/policies', pages: ['policies'] },
];

export function MainNav({ route, admin, children }: { route: Route; admin: Admin; children: ReactNode }) {
  // Only a narrow window shows the button; a wide one shows the links whether open or not.
  const [open, setOpen] = useState(false);
  const panelId = useId();
  const navRef = useRef<HTMLElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const hash = hashOf(route);
  useEffect(() => {
    setOpen(false);
    // A page chosen from the open menu of a narrow window: its link is hidden now, and the focus
    // would fall back to the document. It goes to the new page's heading (or the Menu button).
    const button = buttonRef.current;
    const panel = navRef.current?.querySelector('.nav-panel');
    if (button === null || button.offsetParent === null || !panel?.contains(document.activeElement)) return;
    const heading = document.querySelector<HTMLElement>('#main h1');
    if (heading === null) button.focus();
    else {
      heading.tabIndex = -1;
      heading.focus();
    }
  }, [hash]);
  useEffect(() => {
    if (!open) return;
    const onPointer = (event: PointerEvent) => {
      if (!navRef.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener('pointerdown', onPointer);
    return () => document.removeEventListener('pointerdown', onPointer);
  }, [open]);
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key !== 'Escape' || !open) return;
    event.preventDefault();
    setOpen(false);
    buttonRef.current?.focus();
  };

  return (
    <nav className="nav" aria-label="Main" ref={navRef} onKeyDown={onKeyDown}>
      <button
        type="button"
        ref={buttonRef}
        className="button button-small nav-toggle"
        aria-expanded={open}
        aria-controls={panelId}
        onClick={() => setOpen(!open)}
      >
        <span aria-hidden="true" className="nav-toggle-icon" />
        Menu
      </button>
      <div id={panelId} className={open ? 'nav-panel nav-panel-open' : 'nav-panel'}>
        <ul>
          {NAV.map((item) => (
            <li key={item.href}>
              <a
                href={item.href}
                aria-current={item.pages.includes(route.page) ? 'page' : undefined}
                // The page shown already: no hash change to close on.
                onClick={() => setOpen(false)}
              >
                {item.label}
              </a>
            </li>
          ))}
        </ul>
        <span className="nav-user" title={admin.email}>
          {admin.name}
        </span>
        {children}
      </div>
    </nav>
  );
}
