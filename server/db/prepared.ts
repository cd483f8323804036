/**
 * Memoizes `prepare` per database handle: its statements are compiled on the first call for a
 * handle and reused afterwards, and dropped with the handle.
 *
 * @example const tokenQueries = preparedPerHandle((db: FerryDb) => ({ byHash: db.select()…prepare() }));
 */
export function preparedPerHandle<D extends object, Q>(prepare: (db: D) => Q): (db: D) => Q {
  const cache = new WeakMap<D, Q>();
  return (db) => {
    let queries = cache.get(db);
    if (!queries) {
      queries = prepare(db);
      cache.set(db, queries);
    }
    return queries;
  };
}
