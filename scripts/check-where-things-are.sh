#!/usr/bin/env bash
# check-where-things-are.sh [ROOT]: keeps README.md's "Where things are"
# table in step with the tree (run by `make check`, `make check-where`).
#
# Invariants it checks:
#   - every folder named in the table's first column exists;
#   - every source folder is named there, by its own path (a parent's row
#     does not cover it). A source folder holds a .c, .h, .S, .sh or .py
#     file, or a script starting with "#!"; build/ and .git are not looked at.
# A first cell may name several folders, each in backquotes (`guest/kernel/`).
# Prints one line per problem and exits 1 when there is any, else 0.
set -u
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root" || exit 2
readme=README.md
section='## Where things are'

# listed_folders: the backquoted paths in the first column of the table,
# one a line, without a trailing slash.
listed_folders() {
	awk -v section="$section" '
		$0 == section { inside = 1; next }
		inside && /^## / { inside = 0 }
		inside && /^\|/ {
			split($0, cells, "|")
			cell = cells[2]
			while (match(cell, /`[^`]+`/)) {
				path = substr(cell, RSTART + 1, RLENGTH - 2)
				sub(/\/$/, "", path)
				print path
				cell = substr(cell, RSTART + RLENGTH)
			}
		}' "$readme"
}

# is_source FILE: true for a source file as defined above.
is_source() {
	case $1 in
	*.c | *.h | *.S | *.sh | *.py) return 0 ;;
	esac
	[ "$(head -c 2 "$1" 2>/dev/null | tr -d '\0')" = '#!' ]
}

# source_folders: every folder holding a source file, one a line, no "./".
source_folders() {
	find . \( -path ./build -o -path ./.git \) -prune -o -type f -print |
		while IFS= read -r file; do
			is_source "$file" && dirname "${file#./}"
		done | sort -u
}

if ! grep -qx "$section" "$readme"; then
	echo "check-where-things-are: $readme has no '$section' section"
	exit 1
fi
listed=$(listed_folders | sort -u)
problems=0
while IFS= read -r path; do
	[ -n "$path" ] || continue
	if [ ! -d "$path" ]; then
		echo "check-where-things-are: README lists \`$path/\`, which is not a folder of the tree"
		problems=$((problems + 1))
	fi
done <<<"$listed"
while IFS= read -r folder; do
	[ "$folder" = . ] && continue
	if ! grep -qxF "$folder" <<<"$listed"; then
		echo "check-where-things-are: \`$folder/\` holds sources but README's '$section' table does not list it"
		problems=$((problems + 1))
	fi
done < <(source_folders)
if [ "$problems" -gt 0 ]; then
	echo "check-where-things-are: $problems problem(s); add or remove rows in $readme"
	exit 1
fi
echo "check-where-things-are: README's table lists all $(grep -c . <<<"$listed") folders, every source folder among them"
