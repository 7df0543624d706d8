// Answers to public reads, kept until the store changes. Every accepted submission changes the
// store's mark; until then the same question gets the same bytes, so a crowd refreshing the
// recap of a kabupaten costs one query, not one per person.

export type CachedBody = { mark: string; body: string };

export type ResponseCache = {
  get(key: string, mark: string): string | undefined;
  set(key: string, mark: string, body: string): void;
};

/** At most `max` answers, the least recently used dropped first. */
export function responseCache(max = 2_000): ResponseCache {
  const entries = new Map<string, CachedBody>();
  return {
    get(key, mark) {
      const hit = entries.get(key);
      if (!hit) return undefined;
      if (hit.mark !== mark) {
        entries.delete(key);
        return undefined;
      }
      entries.delete(key);
      entries.set(key, hit);
      return hit.body;
    },
    set(key, mark, body) {
      entries.delete(key);
      entries.set(key, { mark, body });
      if (entries.size > max) entries.delete(entries.keys().next().value!);
    },
  };
}
