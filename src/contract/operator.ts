// What the operator pages send and get back to log in and out and change a password
// (docs/operators.md). The server validates requests with these schemas, the review pages parse
// with them, and the OpenAPI document is generated from them.
import * as z from 'zod';
import { ROLES } from '../core/authz.ts';
import { named } from './registry.ts';

export const RoleSchema = named(
  'Role',
  z.enum(ROLES),
  'An operator role (src/core/authz.ts): pps (desa), ppk (kecamatan), kpu_kab, kpu_prov, kpu_ri, bawaslu, saksi (a witness of one pair or party), admin (accounts).',
);

export const OperatorAccountSchema = named(
  'OperatorAccount',
  z.strictObject({
    id: z.string(),
    name: z.string(),
    role: RoleSchema,
    region: z.string().describe('The region the account acts in (and below): id, 16, 16.08, ...'),
    choice: z.string().nullable().describe("A witness's pair or party (1, P3); null otherwise"),
    mustChangePassword: z
      .boolean()
      .describe('The password is a one-time one: nothing but a password change is allowed'),
  }),
  'The logged-in operator account.',
);
export type OperatorAccount = z.infer<typeof OperatorAccountSchema>;

export const LoginSchema = named(
  'Login',
  z.strictObject({ name: z.string().min(1).max(100), password: z.string().min(1).max(1000) }),
  'A login: the account name and its password.',
);

export const OperatorSessionSchema = named(
  'OperatorSession',
  z.strictObject({
    account: OperatorAccountSchema,
    csrf: z
      .string()
      .describe(
        'The CSRF token (also in the rekap_csrf cookie): every POST under /api/operator/ but the login repeats it in an x-csrf-token header',
      ),
  }),
  'A live session: its account and its CSRF token. The session itself travels in the HttpOnly __Host-rekap_session cookie.',
);
export type OperatorSession = z.infer<typeof OperatorSessionSchema>;

export const PasswordChangeSchema = named(
  'PasswordChange',
  z.strictObject({ current: z.string().min(1).max(1000), next: z.string().min(1).max(1000) }),
  'A password change: the current password and the new one (at least 12 characters, docs/operators.md).',
);

export const LoggedOutSchema = named(
  'LoggedOut',
  z.strictObject({ loggedOut: z.boolean() }),
  'The session ended.',
);
