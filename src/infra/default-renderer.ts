/**
 * The config layer's user data renderer, when the config layer exports one. src/config/index.ts is
 * written alongside this layer; once it exists with `renderUserData`, replace this module with a
 * static import. Only "the module does not exist" is tolerated: any other failure is a real error.
 */
import type { RenderUserData } from '../config/types.js';

const CONFIG_MODULE = '../config/index.js';

async function load(): Promise<RenderUserData | undefined> {
  try {
    const module = (await import(CONFIG_MODULE)) as { renderUserData?: RenderUserData };
    return module.renderUserData;
  } catch (error) {
    const missing =
      (error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' &&
      String((error as Error).message).includes('config/index');
    if (missing) return undefined;
    throw error;
  }
}

/** The renderer every environment uses unless told otherwise; undefined until the config layer has one. */
export const defaultRenderUserData: RenderUserData | undefined = await load();
