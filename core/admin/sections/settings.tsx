// Site settings: core's settings schema drawn as one form, and the same over the API (secrets never leave the server).
import type { Context } from 'hono'
import type { AppEnv } from '../../http/env.js'
import { ok } from '../../http/envelope.js'
import { flash } from '../../http/flash.js'
import { attempt, formFields } from '../../http/forms.js'
import { jsonBody } from '../../http/json.js'
import type { SettingsSchema } from '../../settings/schema.js'
import { CORE_SCHEMA } from '../../settings/service.js'
import type { Services } from '../../services.js'
import { ActionForm, CsrfField, FormError } from '../../views/components.js'
import { AppError } from '../../errors.js'
import { streamForm } from '../../http/body.js'
import { multipartBoundary, MultipartError, readFilePart } from '../../http/multipart.js'
import { unsupported } from '../../media/storage.js'
import { baseUrl } from '../../views/meta.js'
import { SHARE_IMAGE, shareImagesOf } from '../share-image.js'
import type { AdminSection } from '../registry.js'
import { SettingInput } from '../setting-input.js'

const isSecret = (k: string) => {
  const spec = (CORE_SCHEMA as SettingsSchema)[k]
  return spec?.type === 'string' && spec.secret === true
}

export function settingsSection(s: Services): AdminSection {
  const current = async () => {
    const out: Record<string, unknown> = {}
    for (const key of Object.keys(CORE_SCHEMA)) out[key] = await s.settings.get(key as keyof typeof CORE_SCHEMA)
    return out
  }
  const images = shareImagesOf(s)
  const page = async (c: Context<AppEnv>, problem?: { message: string; status: number }, values?: Record<string, unknown>, imageProblem?: { message: string; status: number }) => {
    const shown = values ?? (await current())
    const preview = await images.meta('', await s.settings.get('site.name'))
    const uploaded = (await s.settings.get('seo.share_image')) !== ''
    return s.admin.page(
      c,
      { title: 'Site settings', status: problem?.status ?? imageProblem?.status ?? 200 },
      <>
      <section class="card stack" data-share-image>
        <h2>Link preview image</h2>
        <p class="hint">
          Shown when a page of the site is shared (OpenGraph and Twitter cards) and has no picture of its own: the home page, text posts, profiles without a picture. {uploaded ? 'This is the image you uploaded' : 'None uploaded: this one is drawn from the site’s name, description and colour'}; an upload is cropped to {SHARE_IMAGE.width}×{SHARE_IMAGE.height}.
        </p>
        <img src={preview.url} alt="The current link preview image" width={600} height={315} class="share-image-preview" />
        <FormError message={imageProblem?.message} />
        <form method="post" action="/admin/settings/share-image" enctype="multipart/form-data" class="stack">
          <CsrfField token={c.get('csrfToken')} />
          <div class="field">
            <label for="s-share-image">Upload an image (JPEG, PNG, WebP, GIF or AVIF)</label>
            <input id="s-share-image" type="file" name="file" accept="image/*" required />
          </div>
          <button type="submit">Upload</button>
        </form>
        {uploaded && <ActionForm action="/admin/settings/share-image/delete" csrf={c.get('csrfToken')} label="Use the drawn image" class="secondary" />}
      </section>
      <section class="card">
        <FormError message={problem?.message} />
        <form method="post" action="/admin/settings">
          <CsrfField token={c.get('csrfToken')} />
          {Object.entries(CORE_SCHEMA).map(([key, spec]) => (
            <SettingInput name={key} spec={spec} value={shown[key]} />
          ))}
          <button type="submit">Save</button>
        </form>
        <p class="hint">
          The theme is chosen with <code>hearth theme use NAME</code>.
        </p>
      </section>
      </>,
    )
  }
  return {
    id: 'settings',
    label: 'Site settings',
    icon: 'settings',
    order: 90,
    need: 'manage_settings',
    pages(r) {
      r.get('/', (c) => page(c))
      r.post('/', async (c) => {
        const form = await formFields(c)
        // An unticked checkbox sends nothing: every field of the form is submitted, absent means off; an empty secret keeps the one set.
        const values = Object.fromEntries(Object.keys(CORE_SCHEMA).filter((k) => !(isSecret(k) && !form[k])).map((k) => [k, form[k]]))
        const res = await attempt(() => s.settings.updateCore(values, c.get('viewer')!.id))
        if (!res.ok) return page(c, res.problem, values)
        flash(c, 'ok', 'Site settings saved.')
        return c.redirect('/admin/settings', 303)
      })
      r.post('/share-image', async (c) => {
        const actor = c.get('viewer')!.id
        let done = false
        const res = await attempt(async () => {
          await streamForm(c, async (file) => {
            if (file.name !== 'file' || done) return
            await images.upload(file.body, actor)
            done = true
          })
          if (!done) throw unsupported('Choose an image to upload.')
        })
        if (!res.ok) return page(c, undefined, undefined, res.problem)
        flash(c, 'ok', 'The link preview image is saved.')
        return c.redirect('/admin/settings', 303)
      })
      r.post('/share-image/delete', async (c) => {
        const res = await attempt(() => images.remove(c.get('viewer')!.id))
        flash(c, res.ok ? 'ok' : 'error', res.ok ? 'Link previews show the drawn image again.' : res.problem.message)
        return c.redirect('/admin/settings', 303)
      })
    },
    api(r) {
      // Secrets answer whether they are set, never their value.
      const shown = async () => Object.fromEntries(Object.entries(await current()).map(([k, v]) => [k, isSecret(k) ? { set: !!v } : v]))
      r.get('/', async (c) => ok(c, await shown()))
      r.patch('/', async (c) => {
        await s.settings.updateCore(await jsonBody(c), c.get('viewer')!.id)
        return ok(c, await shown())
      })
      r.get('/share-image', async (c) => ok(c, { ...(await images.meta(baseUrl(c, s.config.publicUrl), await s.settings.get('site.name'))), uploaded: (await s.settings.get('seo.share_image')) !== '' }))
      // The image as multipart/form-data in a field named "file", as for members' uploads (POST /api/v1/media).
      r.put('/share-image', async (c) => {
        const boundary = multipartBoundary(c.req.header('content-type'))
        if (!boundary || !c.req.raw.body) throw new AppError(400, 'INVALID_REQUEST', 'Send the image as multipart/form-data, in a field named "file".')
        try {
          const done = await readFilePart(c.req.raw.body, boundary, 'file', async (part) => images.upload(part.body, c.get('viewer')!.id))
          if (!done) throw unsupported('Choose an image to upload (the form field "file").')
          return ok(c, { ...(await images.meta(baseUrl(c, s.config.publicUrl), await s.settings.get('site.name'))), uploaded: true })
        } catch (err) {
          c.header('Connection', 'close')
          if (err instanceof MultipartError) throw new AppError(400, 'INVALID_REQUEST', err.message)
          throw err
        }
      })
      r.delete('/share-image', async (c) => {
        await images.remove(c.get('viewer')!.id)
        return ok(c, { removed: true })
      })
    },
  }
}
