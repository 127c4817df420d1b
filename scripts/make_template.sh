#!/usr/bin/env bash
# Usage: scripts/make_template.sh DIR
#
# For the teaching team: writes the repository the students get (push it as a template
# repository, or as each student's starting point) into DIR, a new or empty folder. It holds the
# committed files of HEAD (the labs with their unanswered "Your turn" cells), plus
# .github/workflows/check.yml, which checks the exercises on every push of a student; it drops
# .dllab-upstream, the marker under which the tests expect every exercise unanswered, so that
# the tests also pass on a student's copy that holds answers. Uncommitted changes are not
# copied. Then: cd DIR && git init && git add -A && git commit -m "Labs" and push.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"

case "${1:-}" in -h | --help) usage; exit 0 ;; esac
[[ $# -eq 1 ]] || { usage >&2; exit 2; }
dest="$1"
if [[ -e "$dest" && ! -d "$dest" ]]; then
    echo "make_template.sh: $dest exists and is not a folder" >&2; exit 2
fi
if [[ -d "$dest" && -n "$(ls -A "$dest")" ]]; then
    echo "make_template.sh: $dest is not empty; give a new or empty folder (nothing there is replaced)" >&2; exit 2
fi
git -C "$REPO" rev-parse --verify -q HEAD >/dev/null || die "$REPO has no commit to copy"
[[ -z "$(git -C "$REPO" status --porcelain --untracked-files=no)" ]] ||
    echo "make_template.sh: note: uncommitted changes in $REPO are not copied" >&2
mkdir -p "$dest"
git -C "$REPO" archive --format=tar HEAD | tar -x -C "$dest"
mkdir -p "$dest/.github/workflows"
mv "$dest/.github/student-template/workflows/check.yml" "$dest/.github/workflows/check.yml"
rm -rf "$dest/.github/student-template" "$dest/.dllab-upstream"
echo "template written: $dest ($(git -C "$REPO" rev-parse --short HEAD), with .github/workflows/check.yml)"
