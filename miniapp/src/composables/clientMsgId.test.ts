import { webcrypto } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { newClientMsgId } from './clientMsgId';

const uuidV4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const getRandomValues = webcrypto.getRandomValues.bind(webcrypto) as Crypto['getRandomValues'];

describe('newClientMsgId', () => {
  it('uses crypto.randomUUID when the page is a secure context', () => {
    expect(newClientMsgId({ getRandomValues: (a) => a, randomUUID: () => '1-2-3-4-5' })).toBe('1-2-3-4-5');
  });

  it('builds a v4 UUID from getRandomValues elsewhere', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 100; i++) {
      const id = newClientMsgId({ getRandomValues });
      expect(id).toMatch(uuidV4);
      seen.add(id);
    }
    expect(seen.size).toBe(100);
  });
});
