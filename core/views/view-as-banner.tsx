// The banner every page shows while staff view the site as a member (core/account/view-as.ts), with the button that ends it.
import type { AppEnv } from '../http/env.js'
import { CsrfField } from './components.js'

export const VIEW_AS_END = '/view-as/end'

/** The banner every page shows while viewing as, with the button that ends it. */
export function ViewAsBanner({ as, csrf }: { as: NonNullable<AppEnv['Variables']['viewAs']>; csrf: string }) {
  return (
    <div class="alert alert-info view-as-banner" role="status" data-view-as={as.memberUsername}>
      <strong>Viewing as @{as.memberUsername}</strong> (read-only; you are @{as.staffUsername}).{' '}
      <form method="post" action={VIEW_AS_END} class="inline-form">
        <CsrfField token={csrf} />
        <button type="submit" class="secondary">
          End view as
        </button>
      </form>
    </div>
  )
}
