// The home folder as a core module: the front page, explore and first-run setup.
import type { CoreModule } from '../module.js'
import { nav } from '../module.js'
import { homePages } from './pages.js'

export const homeModule: CoreModule = {
  name: 'home',
  wire: (s) =>
    nav(s, [
      ['home', 'Home', '/', 'everyone', 10, { placement: 'primary', priority: 100, icon: 'house' }],
      ['explore', 'Explore', '/explore', 'everyone', 20, { placement: 'primary', priority: 90, icon: 'compass' }],
    ]),
  pages: homePages,
}
