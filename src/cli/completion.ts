/**
 * Shell completion scripts, written from the command-line definition: command names, each
 * command's options and the values an option or argument is known to take. Anything else (a file
 * name after -c, --out, --prices) falls back to the shell's own file completion.
 */
import { COMMANDS, type CommandDefinition, longName, shortFlag, takesValue } from './definition.js';

export const SHELLS = ['bash', 'zsh'] as const;
export type Shell = (typeof SHELLS)[number];

/** Every flag a command accepts, as typed (hidden old spellings left out). */
function flagsOf(definition: CommandDefinition): string[] {
  return [
    ...definition.options
      .filter((option) => !option.aliasOf)
      .flatMap((option) => [`--${longName(option)}`, ...(shortFlag(option) ? [shortFlag(option)!] : [])]),
    '--help',
  ];
}

/** A shell word in single quotes. */
const quoted = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;

function bash(): string {
  const commandCases = Object.entries(COMMANDS).map(([name, definition]) => {
    const valueCases = definition.options
      .filter((option) => takesValue(option) && !option.aliasOf)
      .map((option) => {
        const flags = [`--${longName(option)}`, ...(shortFlag(option) ? [shortFlag(option)!] : [])].join('|');
        // No known values: leave the reply empty, so that bash completes a file name.
        return `        ${flags}) words=${quoted((option.values ?? []).join(' '))}; [ -n "$words" ] || return 0 ;;`;
      });
    const argumentWords = definition.argumentValues ? `${definition.argumentValues.join(' ')} ` : '';
    return [
      `    ${name})`,
      '      case $prev in',
      ...valueCases,
      `        *) words=${quoted(`${argumentWords}${flagsOf(definition).join(' ')}`)} ;;`,
      '      esac ;;',
    ].join('\n');
  });
  return `# bash completion for gitlab-aws: source <(gitlab-aws completion bash), e.g. in ~/.bashrc
_gitlab_aws() {
  local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD-1]} words
  COMPREPLY=()
  if [ "$COMP_CWORD" -eq 1 ]; then
    words=${quoted([...Object.keys(COMMANDS), 'help', '--help', '--version'].join(' '))}
  else
    case \${COMP_WORDS[1]} in
    help) words=${quoted(Object.keys(COMMANDS).join(' '))} ;;
${commandCases.join('\n')}
    *) return 0 ;;
    esac
  fi
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -o default -F _gitlab_aws gitlab-aws
`;
}

/** Text inside a zsh _arguments spec: brackets and colons would end its fields. */
const zshText = (text: string) => text.replaceAll('\\', '\\\\').replace(/[[\]:]/g, (char) => `\\${char}`);

function zsh(): string {
  const describe = Object.entries(COMMANDS).map(([name, definition]) =>
    quoted(`${name}:${definition.summary.replaceAll(':', '\\:')}`),
  );
  const commandCases = Object.entries(COMMANDS).map(([name, definition]) => {
    const specs = definition.options
      .filter((option) => !option.aliasOf)
      .map((option) => {
        const long = `--${longName(option)}`;
        const short = shortFlag(option);
        const names = short ? `{${short},${long}}` : long;
        const exclusive = short ? `'(${short} ${long})'` : '';
        const value = takesValue(option)
          ? `:${longName(option)}:${option.values ? `(${option.values.join(' ')})` : '_files'}`
          : '';
        return `${exclusive}${names}${quoted(`[${zshText(option.description)}]${value}`)}`;
      });
    const argument = definition.argumentValues
      ? [
          quoted(
            `1:${definition.arguments!.replace(/[[\]<>]/g, '')}:(${definition.argumentValues.join(' ')})`,
          ),
        ]
      : [];
    return `    ${name}) _arguments ${[...specs, ...argument, "'(- *)'{-h,--help}'[show this help]'"].join(' \\\n        ')} ;;`;
  });
  return `#compdef gitlab-aws
# zsh completion for gitlab-aws: source <(gitlab-aws completion zsh) after compinit, or save it as
# _gitlab-aws in a directory of $fpath
_gitlab_aws() {
  local -a commands
  commands=(
    ${describe.join('\n    ')}
  )
  if (( CURRENT == 2 )); then
    _describe command commands
    return
  fi
  local name=$words[2]
  (( CURRENT-- )); shift words
  case $name in
    help) _describe command commands ;;
${commandCases.join('\n')}
  esac
}
if [ "$funcstack[1]" = _gitlab-aws ]; then _gitlab_aws "$@"; else compdef _gitlab_aws gitlab-aws; fi
`;
}

/** The completion script for a shell. */
export function completionScript(shell: Shell): string {
  return shell === 'bash' ? bash() : zsh();
}
