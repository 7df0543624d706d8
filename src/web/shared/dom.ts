// A tiny DOM toolkit, shared by the portal and the field app: `h` builds elements (text always
// goes in as text, never as HTML), and `patch` brings the page in line with a freshly built tree
// by changing only what differs, so a refresh neither flickers nor reloads photos nor loses focus
// or scroll position.

export type Child = Node | string | number | null | undefined | false | Child[];
type Attrs = Record<string, string | number | boolean | null | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs | null = null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (attrs)
    for (const [name, value] of Object.entries(attrs)) {
      if (value === null || value === undefined || value === false) continue;
      if (name === 'style') el.style.cssText = String(value);
      else el.setAttribute(name, value === true ? '' : String(value));
    }
  append(el, children);
  return el;
}

function append(el: Node, children: Child[]): void {
  for (const node of toNodes(children)) el.appendChild(node);
}

function toNodes(children: Child[], out: Node[] = []): Node[] {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) toNodes(c, out);
    else if (typeof c === 'string' || typeof c === 'number')
      out.push(document.createTextNode(String(c)));
    else out.push(c);
  }
  return out;
}

/** Makes the children of `parent` equal to `next`, reusing the nodes already there. */
export function patch(parent: Element, children: Child[]): void {
  const next = toNodes(children);
  const old = Array.from(parent.childNodes);
  next.forEach((node, i) => {
    const current = old[i];
    if (!current) parent.appendChild(node);
    else if (sameKind(current, node)) update(current, node);
    else parent.replaceChild(node, current);
  });
  for (const extra of old.slice(next.length)) extra.remove();
}

function sameKind(a: Node, b: Node): boolean {
  if (a.nodeType !== b.nodeType || a.nodeName !== b.nodeName) return false;
  if (a instanceof Element && b instanceof Element)
    return a.getAttribute('data-key') === b.getAttribute('data-key');
  return true;
}

function update(current: Node, next: Node): void {
  if (!(current instanceof Element) || !(next instanceof Element)) {
    if (current.nodeValue !== next.nodeValue) current.nodeValue = next.nodeValue;
    return;
  }
  for (const { name } of Array.from(current.attributes))
    if (!next.hasAttribute(name) && !(name === 'open' && current.nodeName === 'DETAILS'))
      current.removeAttribute(name);
  for (const { name, value } of Array.from(next.attributes)) {
    if (current.getAttribute(name) === value) continue;
    // Styles go through the CSSOM, which a strict Content-Security-Policy allows.
    if (name === 'style' && current instanceof HTMLElement && next instanceof HTMLElement)
      current.style.cssText = next.style.cssText;
    else current.setAttribute(name, value);
  }
  patch(current, Array.from(next.childNodes));
}
