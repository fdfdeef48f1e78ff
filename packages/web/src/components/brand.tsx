// The product mark and name, in the top bar and on the sign-in card.

export function Brand({ large = false }: { large?: boolean }) {
  const Element = large ? 'p' : 'span';
  return (
    <Element className={large ? 'brand brand-large' : 'brand'}>
      <span className="brand-mark" aria-hidden="true" />
      cloudsiem
    </Element>
  );
}
