// The home folder as a core module: the front page, explore and first-run setup.
import type { CoreModule } from '../module.js'
import { nav } from '../module.js'
import { homePages } from './pages.js'

export const homeModule: CoreModule = {
  name: 'home',
  wire: (s) => nav(s, [['home', 'Home', '/', 'everyone', 10], ['explore', 'Explore', '/explore', 'everyone', 20]]),
  pages: homePages,
}
