/** The slice of Web Storage the app uses; tests pass a Map-backed one. */
export type KeyValueStore = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

/**
 * RoomMemory keeps the id of the room the user was last in, so a reopened app
 * can show a conversation whose partner left while the app was closed (or that
 * the user was reading) read-only, until it is cleared, expires (404) or the
 * user moves on (leaves, searches again).
 */
export interface RoomMemory {
  get(): string | null;
  set(roomId: string): void;
  forget(): void;
}

export const ROOM_MEMORY_KEY = 'tetatet.lastRoom';

/** createRoomMemory never throws: storage may be missing or refuse writes (private modes, quotas). */
export function createRoomMemory(store: KeyValueStore | null, key = ROOM_MEMORY_KEY): RoomMemory {
  return {
    get() {
      try {
        const v = store?.getItem(key) ?? null;
        return v === '' ? null : v;
      } catch {
        return null;
      }
    },
    set(roomId) {
      try {
        store?.setItem(key, roomId);
      } catch {
        // Without storage the app still works; it just cannot reopen a closed room.
      }
    },
    forget() {
      try {
        store?.removeItem(key);
      } catch {
        // see set
      }
    },
  };
}

/** memoryStore is an in-memory KeyValueStore (tests, and browsers without localStorage). */
export function memoryStore(): KeyValueStore & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    data,
    getItem: (k) => data.get(k) ?? null,
    setItem: (k, v) => void data.set(k, v),
    removeItem: (k) => void data.delete(k),
  };
}
