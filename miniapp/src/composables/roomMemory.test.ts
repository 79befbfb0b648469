import { describe, expect, it } from 'vitest';
import { createRoomMemory, memoryStore, type KeyValueStore } from './roomMemory';

describe('roomMemory', () => {
  it('remembers, replaces and forgets one room id', () => {
    const store = memoryStore();
    const m = createRoomMemory(store);
    expect(m.get()).toBeNull();
    m.set('a');
    m.set('b');
    expect(m.get()).toBe('b');
    expect(createRoomMemory(store).get()).toBe('b'); // survives a reload
    m.forget();
    expect(m.get()).toBeNull();
  });

  it('works as a no-op without storage or when storage throws', () => {
    const throwing: KeyValueStore = {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
      removeItem: () => {
        throw new Error('SecurityError');
      },
    };
    for (const m of [createRoomMemory(null), createRoomMemory(throwing)]) {
      expect(() => {
        m.set('a');
        m.forget();
      }).not.toThrow();
      expect(m.get()).toBeNull();
    }
  });
});
