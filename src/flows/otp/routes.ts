import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { checkCustomSmsMessage } from '../../delivery/templates/otp-sms.js';
import { AuthError } from '../../errors.js';
import type { OtpService } from './use-case.js';
import { isIdentifierType } from '../../users/identifiers.js';
import { callerOf } from '../../http/client-auth.js';
import { authenticateFields, authenticateOptions, ClientAttributes, clientSecurity, closed, EmailContent, IdentifierType, MessageBody, TokenResponse } from '../../http/schemas/common.js';

// POST /cis/v1/auth/otp/send and /authenticate (mosaic-backend-api.md §2.3, §2.4). Bad input on
// these endpoints answers Mosaic's symbolic `system_invalid_input`.

const ApprovalData = Type.Record(Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' }), Type.Union([Type.String({ maxLength: 1024 }), Type.Number(), Type.Boolean()]), {
  maxProperties: 10,
});

const SendBody = Type.Object(
  {
    channel: Type.Union([Type.Literal('sms'), Type.Literal('email'), Type.Literal('direct')]),
    identifier_type: IdentifierType,
    identifier: Type.String({ minLength: 1, maxLength: 320 }),
    email_content: Type.Optional(EmailContent),
    custom_sms_input: Type.Optional(
      Type.Object({ custom_message: Type.Optional(Type.String({ minLength: 1, maxLength: 140 })), sender_id: Type.Optional(Type.String({ minLength: 1, maxLength: 11 })) }, closed),
    ),
    custom_email: Type.Optional(Type.String({ format: 'email', maxLength: 320 })),
    custom_phone_number: Type.Optional(Type.String({ minLength: 3, maxLength: 32 })),
    approval_data: Type.Optional(ApprovalData),
    expires_in: Type.Optional(Type.Integer({ minimum: 1, maximum: 1440 })),
    client_attributes: Type.Optional(ClientAttributes),
    device_id: Type.Optional(Type.String({ maxLength: 80 })),
    generate_request_id: Type.Optional(Type.Boolean()),
  },
  closed,
);

const AuthenticateBody = Type.Object(
  {
    passcode: Type.String({ minLength: 1, maxLength: 16 }),
    identifier_type: IdentifierType,
    identifier: Type.String({ minLength: 1, maxLength: 320 }),
    request_id: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    ...authenticateFields,
  },
  closed,
);

function identifierTypeOf(value: string) {
  if (!isIdentifierType(value)) throw new AuthError('OTP_INVALID_INPUT', { message: ['identifier_type must be one of email, phone_number, user_id, username'] });
  return value;
}

export const otpRoutes: FastifyPluginAsyncTypebox<{ otp: OtpService }> = async (app, { otp }) => {
  app.post(
    '/cis/v1/auth/otp/send',
    {
      config: { validationErrorCode: 'OTP_INVALID_INPUT' },
      schema: {
        summary: 'Send a one-time passcode by SMS or email (or return it with channel "direct")',
        tags: ['one-time passcode'],
        security: clientSecurity,
        body: SendBody,
        response: {
          200: Type.Object({ message: Type.String(), approval_data: Type.Optional(ApprovalData), code: Type.Optional(Type.String()), request_id: Type.Optional(Type.String()) }),
          '4xx': MessageBody,
          '5xx': MessageBody,
        },
      },
    },
    async (request) => {
      const body = request.body;
      const problem = body.custom_sms_input?.custom_message === undefined ? null : checkCustomSmsMessage(body.custom_sms_input.custom_message);
      if (problem !== null) throw new AuthError('OTP_INVALID_INPUT', { message: [`custom_sms_input.custom_message ${problem}`] });
      return otp.send(callerOf(request), {
        channel: body.channel,
        identifierType: identifierTypeOf(body.identifier_type),
        identifier: body.identifier,
        customEmail: body.custom_email ?? null,
        customPhoneNumber: body.custom_phone_number ?? null,
        emailContent: body.email_content ?? null,
        customSms: { customMessage: body.custom_sms_input?.custom_message ?? null, senderId: body.custom_sms_input?.sender_id ?? null },
        approvalData: body.approval_data ?? null,
        expiresInMinutes: body.expires_in ?? null,
        generateRequestId: body.generate_request_id ?? false,
      });
    },
  );

  app.post(
    '/cis/v1/auth/otp/authenticate',
    {
      config: { validationErrorCode: 'OTP_INVALID_INPUT' },
      schema: {
        summary: 'Verify a one-time passcode and get tokens',
        tags: ['one-time passcode'],
        security: clientSecurity,
        body: AuthenticateBody,
        response: { 200: TokenResponse, '4xx': MessageBody },
      },
    },
    async (request) => {
      const body = request.body;
      return otp.authenticate(callerOf(request), {
        passcode: body.passcode,
        identifierType: identifierTypeOf(body.identifier_type),
        identifier: body.identifier,
        requestId: body.request_id ?? null,
        ...authenticateOptions(body),
      });
    },
  );
};
