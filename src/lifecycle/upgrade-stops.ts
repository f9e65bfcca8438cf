/**
 * GitLab's required upgrade stops, as data.
 *
 * A required stop is a `major.minor` an instance must run (and let its background migrations
 * finish on) before going past it. The stop's patch is the least version accepted on it: the one the
 * documentation names, else the latest patch of that minor released when this list was written.
 *
 * Sources:
 * - GitLab 15, 16 and 17: doc/update/upgrade_paths.md in gitlabhq/gitlabhq at
 *   017a6c129d6a9e4ad9fec792cd84f88641d7dbfe ("Required GitLab 15/16/17 upgrade stops" tables).
 *   The same file states that from 17.5 stops fall on x.2, x.5, x.8 and x.11.
 * - GitLab 18: doc/update/versions/gitlab_18_changes.md in skratsch-solutions/gitlabhq at
 *   34b2d40159980b6bd01402106a117de270bd27b2 ("Required upgrade stops": 18.2, 18.5, 18.8, 18.11;
 *   no patch release named).
 * - GitLab 19: doc/update/versions/gitlab_19_changes.md in skratsch-solutions/gitlabhq at
 *   0e92d1185019a03eade7554ab18c80ad7c761e3c ("Required upgrade stops": 19.2, 19.5, 19.8, 19.11;
 *   no patch release named; the later ones were announced ahead of release).
 * - Where the documentation names no patch, the stop is the latest patch release of its minor known
 *   here: the release tags of gitlabhq/omnibus-gitlab as of tag 19.3.0+ee.0 (commit
 *   8bae586ed153bd3598bf6f11dc4cfeaefd693a72), in RELEASE_TAGS below. An instance leaving the stop on
 *   an earlier patch (x.y.0 included) is refused. A stop not released by then keeps patch 0 and is
 *   named as "its latest patch release". Update the patches with the target version.
 * Stops of GitLab 20 and later are not in these documents; none are invented here, so an
 * upgrade past 19.11 is only checked against the one-minor-at-a-time rule below.
 *
 * Zero-downtime upgrades must also go one minor release at a time (doc/update/zero_downtime.md,
 * skratsch-solutions/gitlabhq d08a1508d191015791d908b4d42036623e6603ae, "Requirements").
 */

export interface UpgradeStop {
  /** The stop, `major.minor.patch`; patch 0 when the documentation names no patch release. */
  readonly version: string;
  /** Set when the documentation makes the stop conditional on the instance's data or layout. */
  readonly onlyWhen?: string;
  /** Documentation file the stop is read from. */
  readonly source: UpgradeStopSource;
  /** Where the patch comes from when the documentation names none: the latest release tag of its minor. */
  readonly patchSource?: UpgradeStopSource;
}

export interface UpgradeStopSource {
  readonly repository: string;
  readonly path: string;
  readonly commit: string;
}

const UPGRADE_PATHS: UpgradeStopSource = {
  repository: 'gitlabhq/gitlabhq',
  path: 'doc/update/upgrade_paths.md',
  commit: '017a6c129d6a9e4ad9fec792cd84f88641d7dbfe',
};
const GITLAB_18_CHANGES: UpgradeStopSource = {
  repository: 'skratsch-solutions/gitlabhq',
  path: 'doc/update/versions/gitlab_18_changes.md',
  commit: '34b2d40159980b6bd01402106a117de270bd27b2',
};
const GITLAB_19_CHANGES: UpgradeStopSource = {
  repository: 'skratsch-solutions/gitlabhq',
  path: 'doc/update/versions/gitlab_19_changes.md',
  commit: '0e92d1185019a03eade7554ab18c80ad7c761e3c',
};

/** The Linux package's release tags: the latest patch of each minor released by GitLab 19.3.0. */
export const RELEASE_TAGS: UpgradeStopSource = {
  repository: 'gitlabhq/omnibus-gitlab',
  path: 'refs/tags (tag 19.3.0+ee.0)',
  commit: '8bae586ed153bd3598bf6f11dc4cfeaefd693a72',
};

/**
 * Conditional stops are enforced too: whether an instance has "lots of users" or a "large
 * pipeline variables history" cannot be told from outside, and stopping costs one extra upgrade
 * while skipping a needed stop can break the database.
 */
export const UPGRADE_STOPS: readonly UpgradeStop[] = [
  { version: '15.0.5', source: UPGRADE_PATHS },
  { version: '15.1.6', onlyWhen: 'multiple web nodes (always true here)', source: UPGRADE_PATHS },
  { version: '15.4.6', source: UPGRADE_PATHS },
  { version: '15.11.13', source: UPGRADE_PATHS },
  {
    version: '16.0.10',
    onlyWhen: 'lots of users or large pipeline variables history',
    source: UPGRADE_PATHS,
  },
  { version: '16.1.8', onlyWhen: 'NPM packages in the package registry', source: UPGRADE_PATHS },
  { version: '16.2.11', onlyWhen: 'large pipeline variables history', source: UPGRADE_PATHS },
  { version: '16.3.9', source: UPGRADE_PATHS },
  { version: '16.7.10', source: UPGRADE_PATHS },
  { version: '16.11.10', source: UPGRADE_PATHS },
  { version: '17.1.8', onlyWhen: 'large ci_pipeline_messages tables', source: UPGRADE_PATHS },
  { version: '17.3.7', source: UPGRADE_PATHS },
  { version: '17.5.5', source: UPGRADE_PATHS },
  { version: '17.8.7', source: UPGRADE_PATHS },
  { version: '17.11.7', source: UPGRADE_PATHS },
  { version: '18.2.8', source: GITLAB_18_CHANGES, patchSource: RELEASE_TAGS },
  { version: '18.5.7', source: GITLAB_18_CHANGES, patchSource: RELEASE_TAGS },
  { version: '18.8.11', source: GITLAB_18_CHANGES, patchSource: RELEASE_TAGS },
  { version: '18.11.11', source: GITLAB_18_CHANGES, patchSource: RELEASE_TAGS },
  { version: '19.2.4', source: GITLAB_19_CHANGES, patchSource: RELEASE_TAGS },
  { version: '19.5.0', source: GITLAB_19_CHANGES },
  { version: '19.8.0', source: GITLAB_19_CHANGES },
  { version: '19.11.0', source: GITLAB_19_CHANGES },
];
