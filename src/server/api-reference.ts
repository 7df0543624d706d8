// The API reference page (GET /api/ and /api/docs): the OpenAPI document (openapi.ts) written out
// as plain HTML on the server, for a reader without a Swagger viewer: each path and method, its
// parameters, request body and responses, then every schema with its properties. No script and no
// inline style, so the Content-Security-Policy (security.ts) holds as it is; the portal's
// stylesheet dresses it.

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

const isObj = (v: Json | undefined): v is Obj =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const esc = (s: string): string =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

const str = (v: Json | undefined): string => (typeof v === 'string' ? v : '');

/** `inline code` in the document's prose as <code>, the rest escaped. */
const prose = (s: string): string =>
  esc(s).replace(/`([^`]+)`/g, (_m, code: string) => `<code>${code}</code>`);

const anchor = (name: string) => `schema-${name.replace(/[^A-Za-z0-9_-]/g, '-')}`;
const opAnchor = (method: string, path: string) =>
  `op-${method}-${path.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '')}`;

/** A schema's type, short: a link for a named schema, `array of X`, enums by their values. */
function typeOf(s: Json | undefined, depth = 0): string {
  if (!isObj(s)) return 'any';
  const ref = str(s.$ref);
  if (ref) {
    const name = ref.split('/').pop() ?? ref;
    return `<a href="#${anchor(name)}">${esc(name)}</a>`;
  }
  if (depth > 3) return 'object';
  if (s.const !== undefined) return `<code>${esc(JSON.stringify(s.const))}</code>`;
  if (Array.isArray(s.enum))
    return s.enum.map((v) => `<code>${esc(JSON.stringify(v))}</code>`).join(' | ');
  for (const k of ['anyOf', 'oneOf', 'allOf'] as const) {
    const parts = s[k];
    if (Array.isArray(parts))
      return parts.map((p) => typeOf(p, depth + 1)).join(k === 'allOf' ? ' &amp; ' : ' | ');
  }
  const type = s.type;
  if (Array.isArray(type)) return type.map((t) => esc(typeof t === 'string' ? t : '?')).join(' | ');
  if (type === 'array') return `array of ${typeOf(s.items, depth + 1)}`;
  if (type === 'object' && isObj(s.additionalProperties) && !isObj(s.properties))
    return `map of ${typeOf(s.additionalProperties, depth + 1)}`;
  if (typeof type === 'string') {
    const extra: string[] = [];
    if (typeof s.format === 'string') extra.push(s.format);
    // The bounds every safe integer has, and a format's own pattern, say nothing more.
    const bound = (n: Json | undefined): n is number =>
      typeof n === 'number' && Math.abs(n) < Number.MAX_SAFE_INTEGER;
    if (bound(s.minimum)) extra.push(`≥ ${s.minimum}`);
    if (bound(s.maximum)) extra.push(`≤ ${s.maximum}`);
    if (typeof s.pattern === 'string' && typeof s.format !== 'string')
      extra.push(`pattern <code>${esc(s.pattern)}</code>`);
    return extra.length > 0 ? `${esc(type)} (${extra.join(', ')})` : esc(type);
  }
  return 'any';
}

/** The properties of an object schema as a table, or null when it has none to list. */
function propertiesTable(s: Json | undefined): string | null {
  if (!isObj(s) || !isObj(s.properties)) return null;
  const required = new Set(Array.isArray(s.required) ? s.required.map(String) : []);
  const rows = Object.entries(s.properties).map(([name, p]) => {
    const desc = isObj(p) ? str(p.description) : '';
    return `<tr><th scope="row"><code>${esc(name)}</code></th><td>${typeOf(p)}</td><td>${required.has(name) ? 'yes' : 'no'}</td><td>${prose(desc)}</td></tr>`;
  });
  return `<div class="table-wrap" tabindex="0" role="region" aria-label="properties"><table class="ref"><thead><tr><th scope="col">Property</th><th scope="col">Type</th><th scope="col">Required</th><th scope="col">Description</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
}

function schemaSection(name: string, s: Json): string {
  const obj = isObj(s) ? s : {};
  const table = propertiesTable(obj);
  const variants = ['oneOf', 'anyOf'].flatMap((k) => {
    const v = obj[k];
    return Array.isArray(v) ? v : [];
  });
  const variantList =
    !table && variants.length > 0
      ? `<ul>${variants
          .map((v) => {
            const t = propertiesTable(v);
            return `<li>${t ?? typeOf(v)}</li>`;
          })
          .join('')}</ul>`
      : '';
  return `<section class="card ref-schema" id="${anchor(name)}"><h3>${esc(name)}</h3>${
    str(obj.description) ? `<p>${prose(str(obj.description))}</p>` : ''
  }${table ?? (variantList || `<p>Type: ${typeOf(obj)}</p>`)}</section>`;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete', 'head'] as const;

function bodySchemas(content: Json | undefined): string {
  if (!isObj(content)) return '';
  return Object.entries(content)
    .map(
      ([type, c]) =>
        `<code>${esc(type)}</code>${isObj(c) && c.schema ? `: ${typeOf(c.schema)}` : ''}`,
    )
    .join('<br>');
}

function operation(path: string, method: string, op: Obj, params: Json[]): string {
  const parameters = [...params, ...(Array.isArray(op.parameters) ? op.parameters : [])].filter(
    isObj,
  );
  const paramRows = parameters.map(
    (p) =>
      `<tr><th scope="row"><code>${esc(str(p.name))}</code></th><td>${esc(str(p.in))}</td><td>${typeOf(p.schema)}</td><td>${p.required ? 'yes' : 'no'}</td><td>${prose(str(p.description))}</td></tr>`,
  );
  const body = isObj(op.requestBody) ? op.requestBody : null;
  const responses = isObj(op.responses) ? op.responses : {};
  const responseRows = Object.entries(responses).map(([status, r]) => {
    const resp = isObj(r) ? r : {};
    return `<tr><th scope="row">${esc(status)}</th><td>${prose(str(resp.description))}</td><td>${bodySchemas(resp.content)}</td></tr>`;
  });
  const security = Array.isArray(op.security)
    ? op.security
        .filter(isObj)
        .flatMap((s) => Object.keys(s))
        .map((k) => `<code>${esc(k)}</code>`)
    : [];
  return `<section class="card ref-op" id="${opAnchor(method, path)}">
<h3><span class="badge method method-${method}">${method.toUpperCase()}</span> <code>${esc(path)}</code></h3>
${str(op.summary) ? `<p><strong>${prose(str(op.summary))}</strong></p>` : ''}
${str(op.description) ? `<p>${prose(str(op.description))}</p>` : ''}
${security.length > 0 ? `<p>Authentication: ${security.join(', ')}</p>` : ''}
${
  paramRows.length > 0
    ? `<h4>Parameters</h4><div class="table-wrap" tabindex="0" role="region" aria-label="parameters of ${method.toUpperCase()} ${esc(path)}"><table class="ref"><thead><tr><th scope="col">Name</th><th scope="col">In</th><th scope="col">Type</th><th scope="col">Required</th><th scope="col">Description</th></tr></thead><tbody>${paramRows.join('')}</tbody></table></div>`
    : ''
}
${body ? `<h4>Request body</h4><p>${prose(str(body.description))}</p><p>${bodySchemas(body.content)}</p>` : ''}
<h4>Responses</h4><div class="table-wrap" tabindex="0" role="region" aria-label="responses of ${method.toUpperCase()} ${esc(path)}"><table class="ref"><thead><tr><th scope="col">Status</th><th scope="col">Meaning</th><th scope="col">Body</th></tr></thead><tbody>${responseRows.join('')}</tbody></table></div>
</section>`;
}

/** The whole reference page for an OpenAPI 3.1 document. */
export function apiReferenceHtml(doc: object): string {
  const d = doc as Obj;
  const info = isObj(d.info) ? d.info : {};
  const paths = isObj(d.paths) ? d.paths : {};
  const components = isObj(d.components) ? d.components : {};
  const schemas = isObj(components.schemas) ? components.schemas : {};
  const ops: { path: string; method: string; op: Obj; params: Json[] }[] = [];
  for (const [path, item] of Object.entries(paths)) {
    if (!isObj(item)) continue;
    const params = Array.isArray(item.parameters) ? item.parameters : [];
    for (const m of METHODS) {
      const op = item[m];
      if (isObj(op)) ops.push({ path, method: m, op, params });
    }
  }
  const toc = ops
    .map(
      (o) =>
        `<li><a href="#${opAnchor(o.method, o.path)}"><span class="method">${o.method.toUpperCase()}</span> <code>${esc(o.path)}</code></a>${str(o.op.summary) ? ` · ${prose(str(o.op.summary))}` : ''}</li>`,
    )
    .join('');
  const schemaNames = Object.keys(schemas).sort();
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(str(info.title) || 'API')} reference · Rekap</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/styles.css">
</head>
<body class="api-ref">
<a class="skip" href="#main">Skip to content</a>
<header class="top"><div class="wrap top-inner"><a class="brand" href="/"><span class="brand-mark" aria-hidden="true"></span>Rekap</a><p class="election">${esc(str(info.title))} ${esc(str(info.version))}</p></div></header>
<main id="main" class="wrap" tabindex="-1">
<h1>${esc(str(info.title) || 'API')} reference</h1>
${str(info.description) ? `<p>${prose(str(info.description))}</p>` : ''}
<p>The same document as JSON, for tools: <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI ${esc(str(d.openapi))}). Public reads answer with an <code>ETag</code> and a short <code>Cache-Control</code>; a repeated read with <code>If-None-Match</code> costs a 304.</p>
<nav class="card" aria-labelledby="toc-title"><h2 id="toc-title">Contents</h2><ul class="ref-toc">${toc}</ul></nav>
<h2>Endpoints</h2>
${ops.map((o) => operation(o.path, o.method, o.op, o.params)).join('\n')}
<h2 id="schemas">Schemas</h2>
<nav class="card" aria-label="Schemas"><ul class="ref-toc">${schemaNames.map((n) => `<li><a href="#${anchor(n)}">${esc(n)}</a></li>`).join('')}</ul></nav>
${schemaNames.map((n) => schemaSection(n, schemas[n]!)).join('\n')}
</main>
<footer class="foot"><div class="wrap"><p><a href="/">Rekap</a> · <a href="/api/openapi.json">openapi.json</a></p></div></footer>
</body>
</html>
`;
}
