/**
 * The settings reference and its rules live in src/catalog/gitlab-rb-reference.ts (the spec's own
 * settings are checked by the same rules); the config tests check every generated gitlab.rb with it.
 */
export { type RecordedSetting, SettingsReference } from '../../src/catalog/gitlab-rb-reference.js';
