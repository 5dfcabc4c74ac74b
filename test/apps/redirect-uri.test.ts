import { describe, expect, it } from 'vitest';
import { redirectUriProblem } from '../../src/apps/redirect-uri.js';
import { DEV_APP_REDIRECT_URI } from '../../src/dev-bootstrap.js';

// Which redirect URIs an app may register (src/apps/redirect-uri.ts): a pure rule, checked here
// class by class; test/http/admin-validation.test.ts shows the admin API applying it.

const accepted = (uri: string) => expect(redirectUriProblem(uri), uri).toBeNull();
const refused = (uri: string, why: RegExp) => expect(redirectUriProblem(uri), JSON.stringify(uri)).toMatch(why);

describe('redirect URIs that may be registered', () => {
  it('the dev app’s and the tests’ URIs', () => {
    accepted(DEV_APP_REDIRECT_URI);
    expect(DEV_APP_REDIRECT_URI).toBe('http://localhost:3000/verify');
    accepted('https://app.example/verify');
  });

  it('https: on any host, with port, path and query', () => {
    for (const uri of [
      'https://shop.example',
      'https://shop.example/',
      'https://a.b.shop.example:8443/cb?tenant=1&x=y',
      'HTTPS://Shop.Example/Verify',
      'https://203.0.113.7/cb',
      'https://[2001:db8::1]/cb',
    ]) {
      accepted(uri);
    }
  });

  it('http: on a loopback host: localhost, 127.0.0.0/8, [::1]', () => {
    for (const uri of ['http://localhost/cb', 'http://localhost:8080/cb', 'http://127.0.0.1:3000/verify', 'http://127.255.255.254/cb', 'http://[::1]:5000/cb', 'HTTP://LOCALHOST/cb']) {
      accepted(uri);
    }
  });

  it('a private-use scheme in reverse-DNS form (RFC 8252 §7.1)', () => {
    for (const uri of ['com.example.app:/callback', 'com.example.app:/oauth2redirect/provider?x=1', 'io.keystate.demo://callback', 'com.example-shop.app+dev:/cb']) {
      accepted(uri);
    }
  });
});

describe('redirect URIs that are refused', () => {
  it('script and local-content schemes, in any case and behind spaces or control characters', () => {
    for (const uri of [
      'javascript:alert(1)',
      'JavaScript:alert(1)',
      ' javascript:alert(1)',
      '\tjavascript:alert(1)',
      '\u0000javascript:alert(1)',
      'java\nscript:alert(1)',
      'javascript:alert(1)\u001f',
      'data:text/html,<script>alert(1)</script>',
      'DATA:text/html;base64,PHNjcmlwdD4=',
      'vbscript:msgbox(1)',
      'VBScript:msgbox(1)',
      'file:///etc/passwd',
      'FILE://host/share',
    ]) {
      refused(uri, /must not use the (javascript|data|vbscript|file): scheme/);
    }
  });

  it('http: on any host but loopback', () => {
    for (const uri of ['http://shop.example/cb', 'http://10.0.0.1/cb', 'http://128.0.0.1/cb', 'http://localhost.shop.example/cb', 'http://[::ffff:127.0.0.1]/cb', 'http://0.0.0.0/cb']) {
      refused(uri, /http: only for a loopback host/);
    }
  });

  it('userinfo, even empty or on a loopback or private-use URI', () => {
    for (const uri of [
      'https://user@shop.example/cb',
      'https://user:pass@shop.example/cb',
      'https://shop.example@evil.example/',
      'https://@shop.example/',
      'http://user@localhost/cb',
      'com.example.app://user@host/cb',
    ]) {
      refused(uri, /must not contain userinfo/);
    }
  });

  it('any fragment, even an empty one', () => {
    for (const uri of ['https://shop.example/cb#', 'https://shop.example/cb#section', 'http://localhost/#/route', 'com.example.app:/cb#x']) {
      refused(uri, /must not have a fragment/);
    }
  });

  it('schemes that are neither https, loopback http nor reverse-DNS', () => {
    for (const uri of ['myapp:/callback', 'myapp://callback', 'ftp://shop.example/', 'ws://localhost/', 'wss://shop.example/', 'mailto:a@shop.example', 'com.:/cb', 'com..example:/cb']) {
      refused(uri, /must use https:, http: on a loopback host, or a private-use scheme in reverse-DNS form|is not a valid URI/);
    }
  });

  it('anything that is not an absolute RFC 3986 URI', () => {
    refused('', /absolute URI/);
    refused('/verify', /absolute URI/);
    refused('shop.example/verify', /absolute URI/);
    refused('not a uri', /spaces or control characters/);
    refused('https://shop.example/a b', /spaces or control characters/);
    refused(' https://shop.example/cb', /spaces or control characters/);
    refused('https://shop.example/cb\n', /spaces or control characters/);
    for (const uri of ['https://shop.example/%zz', 'https:\\\\evil.example/', 'https://shöp.example/', 'https://shop.example/<x>', 'https://shop.example:port/', 'com.example.app:']) {
      refused(uri, /is not a valid URI/);
    }
  });

  it('http(s) without an authority (a parser would repair these into another address)', () => {
    for (const uri of ['https:evil.example', 'https:/evil.example/cb', 'https:///evil.example/cb', 'http:localhost/cb']) {
      refused(uri, /must be https?:\/\/host/);
    }
  });
});
