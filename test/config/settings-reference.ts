/**
 * The settings reference and its rules live in src/catalog/gitlab-rb-reference.ts (the spec's own
 * settings are checked by the same rules); the config tests check every generated gitlab.rb with it,
 * read from the directory they name.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  SettingsReference as CatalogSettingsReference,
  GITLAB_RB_REFERENCE_FILES,
} from '../../src/catalog/gitlab-rb-reference.js';

export type { RecordedSetting } from '../../src/catalog/gitlab-rb-reference.js';

export class SettingsReference extends CatalogSettingsReference {
  constructor(dir: string) {
    super({
      settings: readFileSync(join(dir, GITLAB_RB_REFERENCE_FILES.settings), 'utf8'),
      aliases: readFileSync(join(dir, GITLAB_RB_REFERENCE_FILES.aliases), 'utf8'),
      nested: readFileSync(join(dir, GITLAB_RB_REFERENCE_FILES.nested), 'utf8'),
    });
  }
}
