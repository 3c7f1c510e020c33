// The hook registry: actions (all handlers run, failures logged) and filters (a value through handlers in order).
import type { Logger } from '../logger.js'
import {
  coreHooks,
  type ActionName,
  type ActionPayload,
  type FilterContext,
  type FilterName,
  type FilterValue,
  type HookDef,
  type HookHandler,
  type HookInfo,
  type HookName,
  type HookOptions,
} from './types.js'

interface Entry {
  owner: string
  priority: number
  seq: number
  fn: (...args: any[]) => unknown
}

export class HookRegistry {
  private readonly defs = new Map<string, { kind: HookDef['kind']; declaredBy: string }>()
  private readonly entries = new Map<string, Entry[]>()
  private seq = 0

  constructor(private readonly log: Logger) {
    this.declare(coreHooks, 'core')
  }

  /** Add hook names to the whitelist. A name declared twice by different owners is an error. */
  declare(defs: Record<string, HookDef>, owner: string): void {
    for (const [name, def] of Object.entries(defs)) {
      const prefix = `${def.kind}:`
      if (!name.startsWith(prefix)) throw new Error(`Hook "${name}" must start with "${prefix}".`)
      const existing = this.defs.get(name)
      if (existing && existing.declaredBy !== owner) {
        throw new Error(`Hook "${name}" is already declared by ${existing.declaredBy}.`)
      }
      this.defs.set(name, { kind: def.kind, declaredBy: owner })
    }
  }

  has(name: string): boolean {
    return this.defs.has(name)
  }

  /** Who declared a hook ('core' or a plugin), or undefined. */
  declaredBy(name: string): string | undefined {
    return this.defs.get(name)?.declaredBy
  }

  /**
   * Register a handler. Returns a function that removes it.
   * @example hooks.on('action:user.registered', ({ user }) => greet(user), { priority: 5 }, 'hello')
   */
  on<K extends HookName>(name: K, handler: HookHandler<K>, options: HookOptions = {}, owner = 'core'): () => void {
    if (!this.defs.has(name)) throw new Error(`Unknown hook "${name}". Declare it first (see docs/hooks.md).`)
    if (typeof handler !== 'function') throw new Error(`The handler for "${name}" must be a function.`)
    const entry: Entry = { owner, priority: options.priority ?? 10, seq: this.seq++, fn: handler as Entry['fn'] }
    const list = this.entries.get(name) ?? []
    list.push(entry)
    list.sort((a, b) => a.priority - b.priority || a.seq - b.seq)
    this.entries.set(name, list)
    return () => {
      const current = this.entries.get(name)
      if (current) this.entries.set(name, current.filter((e) => e !== entry))
    }
  }

  /** Remove every handler and declaration an owner (a plugin) made. */
  removeOwner(owner: string): void {
    for (const [name, list] of this.entries) this.entries.set(name, list.filter((e) => e.owner !== owner))
    for (const [name, def] of this.defs) if (def.declaredBy === owner) this.defs.delete(name)
  }

  /** Run every handler of an action. Each failure is logged with its owner; none reaches the caller. */
  async emit<K extends ActionName>(name: K, payload: ActionPayload<K>): Promise<void> {
    const list = this.entries.get(name)
    if (!list?.length) return
    await Promise.all(
      list.map(async (e) => {
        try {
          await e.fn(payload)
        } catch (err) {
          this.log.error({ err, hook: name, plugin: e.owner }, `hook handler of ${e.owner} failed on ${name}`)
        }
      }),
    )
  }

  /**
   * Pass a value through a filter's handlers in order. A failing handler is logged and skipped;
   * for `.allowed` filters a failure answers `false` (fail closed).
   */
  async apply<K extends FilterName>(name: K, value: FilterValue<K>, context: FilterContext<K>): Promise<FilterValue<K>> {
    const list = this.entries.get(name)
    if (!list?.length) return value
    const failClosed = name.endsWith('.allowed')
    let current = value
    for (const e of list) {
      // A "no" from one handler is final: a later one cannot overturn it.
      if (failClosed && current === false) return current
      try {
        current = (await e.fn(current, context)) as FilterValue<K>
      } catch (err) {
        this.log.error({ err, hook: name, plugin: e.owner }, `hook handler of ${e.owner} failed on ${name}`)
        if (failClosed) return false as FilterValue<K>
      }
    }
    return current
  }

  /** Every declared hook, with who declared it and who handles it, in run order. */
  describe(): HookInfo[] {
    return [...this.defs.entries()]
      .map(([name, def]) => ({
        name,
        kind: def.kind,
        declaredBy: def.declaredBy,
        handlers: (this.entries.get(name) ?? []).map((e) => ({ owner: e.owner, priority: e.priority })),
      }))
      .sort((a, b) => a.name.localeCompare(b.name))
  }
}
