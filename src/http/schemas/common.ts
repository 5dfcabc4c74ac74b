import { Type } from 'typebox';
import type { ClaimsRequest as ClaimsRequestShape } from '../../model/claims.js';

// Request fragments shared by several endpoints (mosaic-backend-api.md §1.5). Objects are closed
// (`additionalProperties: false`): an unknown field is a 400, never silently ignored.

export const closed = { additionalProperties: false } as const;

export const ClientAttributes = Type.Object({ user_agent: Type.Optional(Type.String({ maxLength: 1024 })), ip_address: Type.Optional(Type.String({ maxLength: 64 })) }, closed);

const ClaimOption = Type.Union([Type.Null(), Type.Object({ fields: Type.Optional(Type.Array(Type.String({ maxLength: 256 }), { maxItems: 100 })) })]);
const ClaimSet = Type.Record(Type.String({ maxLength: 128 }), ClaimOption);
const ClaimsRequest = Type.Object({ id_token: Type.Optional(ClaimSet), access_token: Type.Optional(ClaimSet), userinfo: Type.Optional(ClaimSet) }, closed);

/** Fields every authenticate call accepts. */
export const authenticateFields = {
  session_id: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  resource: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })),
  claims: Type.Optional(ClaimsRequest),
  org_id: Type.Optional(Type.String({ maxLength: 256 })),
  client_attributes: Type.Optional(ClientAttributes),
  device_id: Type.Optional(Type.String({ maxLength: 80 })),
};

/** The §1.5 fields of an authenticate body, as the flow services take them. */
export function authenticateOptions(body: { session_id?: string; resource?: string; claims?: ClaimsRequestShape }) {
  return {
    sessionId: body.session_id ?? null,
    resource: body.resource ?? null,
    claims: body.claims ?? null,
  };
}

export const IdentifierType = Type.String({ minLength: 1, maxLength: 64 });

export const EmailContent = Type.Object(
  {
    subject: Type.String({ minLength: 1, maxLength: 998 }),
    primaryColor: Type.Optional(Type.String({ maxLength: 16 })),
    base64logo: Type.Optional(Type.String({ maxLength: 20_000 })),
    headerText: Type.Optional(Type.String({ maxLength: 2000 })),
    bodyText: Type.Optional(Type.String({ maxLength: 10_000 })),
    linkText: Type.Optional(Type.String({ maxLength: 200 })),
    infoText: Type.Optional(Type.String({ maxLength: 2000 })),
    footerText: Type.Optional(Type.String({ maxLength: 2000 })),
    senderName: Type.Optional(Type.String({ maxLength: 100 })),
  },
  closed,
);

/** Every error body: Mosaic's two fields, plus documented extras (`error`, `ts_error_code`). */
export const MessageBody = Type.Object({ message: Type.Union([Type.String(), Type.Array(Type.String())]), error_code: Type.Union([Type.Number(), Type.String()]) }, { additionalProperties: true });

/** A response object whose fields are documented in prose (admin views, Mosaic's User object). */
export const AnyObject = Type.Record(Type.String(), Type.Unknown());

export const TokenResponse = Type.Object({
  access_token: Type.String(),
  id_token: Type.String(),
  refresh_token: Type.String(),
  token_type: Type.Literal('Bearer'),
  expires_in: Type.Number(),
  session_id: Type.String(),
});

/** Documentation of the Bearer client token for OpenAPI. */
export const clientSecurity = [{ ClientAccessToken: [] }];
