// Sign in with email and password: the portal sets an httpOnly SameSite=Strict session cookie.
// A refusal shows the portal's own message (wrong password, too many attempts).
import type { Admin } from '@cloudsiem/protocol';
import { useState, type FormEvent } from 'react';
import { api } from '../../api.ts';
import { FormField } from '../../components/form-field.tsx';
import { useAction, useTitle } from '../../hooks.ts';
import { Brand } from '../../components/brand.tsx';

export function SignInPage({
  message,
  onSignedIn,
}: {
  message: string | null;
  onSignedIn: (admin: Admin) => void;
}) {
  useTitle('Sign in');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const signIn = useAction();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void signIn.run(async () => {
      const { admin } = await api.login(email.trim(), password);
      onSignedIn(admin);
    });
  };

  return (
    <main className="sign-in">
      <div className="sign-in-card">
        <Brand large />
        <h1>Sign in</h1>
        <p className="muted">Stream the alerts and activities of your cloud apps to your SIEM.</p>
        {message !== null && signIn.error === null ? <p className="notice notice-info">{message}</p> : null}
        <form onSubmit={submit} noValidate>
          <FormField label="Email">
            {(props) => (
              <input
                {...props}
                type="email"
                autoComplete="username"
                autoFocus
                required
                value={email}
                onChange={(e) => setEmail(e.target.value)}
              />
            )}
          </FormField>
          <FormField label="Password">
            {(props) => (
              <input
                {...props}
                type="password"
                autoComplete="current-password"
                required
                value={password}
                onChange={(e) => setPassword(e.target.value)}
              />
            )}
          </FormField>
          {signIn.error !== null ? (
            <p role="alert" className="error-text">
              {signIn.error}
            </p>
          ) : null}
          <button type="submit" className="button button-primary button-block" disabled={signIn.busy}>
            Sign in
          </button>
        </form>
      </div>
    </main>
  );
}
