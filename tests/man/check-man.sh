#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Keep the manual pages honest: compare them with what the CLI says about
# itself, and lint them.
#
#   check-man.sh CLI MANDIR [BUILDDIR]
#
# CLI is the built xdp-guard, MANDIR the folder of the pages (man/), and
# BUILDDIR where the rendered pages and help texts are kept for a look after
# a failure (default: build).  The CLI needs no privileges for --help.
#
# Checks, each counted as one test:
#   exists    every command `xdp-guard help` lists has man/xdp-guard-CMD.8
#   synopsis  the page's SYNOPSIS, rendered and stripped of formatting,
#             equals the Usage line of `xdp-guard CMD --help` (white space
#             normalised); for xdp-guard.8, the Usage lines of
#             `xdp-guard --help`
#   option    every option --help lists has an entry in the page's OPTIONS
#             section whose tag is the option as --help shows it:
#             "-m, --mode MODE", "--purge"
#   no-stale-options  every entry in OPTIONS is an option --help lists
#   header    .TH names the page after its file, in section 8, with the
#             version `xdp-guard --version` prints; NAME starts with it
#   xrefs     every xdp-guard page the text refers to exists
#   lint      `mandoc -Tlint` has nothing to say (any level, style too)
#   groff     `groff -ww -man -z` has nothing to say (when groff exists)
#   no-stale-page  every page in MANDIR belongs to a command
# The last line is "N passed, N failed"; the exit status is 1 if any test
# failed, 2 if the checks could not run at all.
# Environment: MANDOC (default mandoc), GROFF (default groff).

set -u

CLI=${1:?usage: check-man.sh CLI MANDIR [BUILDDIR]}
MANDIR=${2:?usage: check-man.sh CLI MANDIR [BUILDDIR]}
BUILD=${3:-build}
MANDOC=${MANDOC:-mandoc}
GROFF=${GROFF:-groff}

passed=0
failed=0

die() {
	echo "check-man: error: $*" >&2
	exit 2
}

pass() {
	passed=$((passed + 1))
	echo "PASS $1"
}

# fail NAME [DETAIL...]: DETAIL lines are printed indented under the name.
fail() {
	local name=$1

	shift
	failed=$((failed + 1))
	echo "FAIL $name"
	for line in "$@"; do
		printf '     %s\n' "$line"
	done
}

# Collapse runs of white space to one space and trim both ends.
norm() {
	tr -s ' \t\n' '   ' | sed 's/^ //; s/ $//'
}

# The page as a reader sees it in a terminal, without bold and underline,
# tabs expanded so that indentation can be measured.
render() {
	"$MANDOC" -Tascii "$1" | col -bx
}

# The body of one section (a line in capitals at column 0) of a rendered
# page, on stdin.
section() {
	awk -v name="$1" '
		/^[A-Z][A-Z ]*$/ { inside = ($0 == name); next }
		inside { print }'
}

# The tags of the entries of a rendered OPTIONS section: lines indented by
# exactly seven columns that start with a dash.
option_tags() {
	sed -n 's/^       \(-[^ ].*\)$/\1/p'
}

# The options of one command's --help text, as "TAG<tab>LONG": TAG is the
# left column exactly ("-m, --mode MODE"), LONG the long name ("--mode").
help_options() {
	awk '/^Options:$/ { on = 1; next } on' | while IFS= read -r line; do
		if [[ $line =~ ^\ \ (-[A-Za-z0-9],\ |\ \ \ \ )(--[a-z0-9][a-z0-9-]*)(\ [A-Z][A-Z0-9_]*)?(\ |$) ]]; then
			local short=${BASH_REMATCH[1]} long=${BASH_REMATCH[2]} meta=${BASH_REMATCH[3]}
			if [[ $short == "    " ]]; then
				printf '%s\t%s\n' "$long$meta" "$long"
			else
				printf '%s\t%s\n' "$short$long$meta" "$long"
			fi
		fi
	done
}

# Does a rendered OPTIONS section (file $1) have an entry tagged $2?  The
# tag is the whole first line of the entry, or its start when the
# description follows on the same line.
has_tag() {
	local tag
	while IFS= read -r tag; do
		[[ $tag == "$2" || $tag == "$2 "* ]] && return 0
	done < <(option_tags <"$1")
	return 1
}

command -v "$MANDOC" >/dev/null || die "$MANDOC not found (install the mandoc package)"
command -v col >/dev/null || die "col not found (install bsdextrautils)"
[[ -x $CLI ]] || die "$CLI is not an executable; build it first"
[[ -d $MANDIR ]] || die "$MANDIR is not a directory"
mkdir -p "$BUILD" || die "cannot create $BUILD"
rm -f "$BUILD"/*.txt

"$CLI" help >"$BUILD/help.txt" 2>&1 || die "'$CLI help' failed"
mapfile -t commands < <(awk '/^Commands:$/ { on = 1; next }
			    on && /^$/ { exit }
			    on { print $1 }' "$BUILD/help.txt")
((${#commands[@]} > 0)) || die "'$CLI help' lists no commands"
version=$("$CLI" --version | awk 'NR == 1 { print $2 }')
[[ -n $version ]] || die "'$CLI --version' prints no version"
echo "Commands: ${commands[*]}; version $version"

# ---- the overview page, xdp-guard.8 -------------------------------------

check_page_common() {
	# $1 page file, $2 page name (xdp-guard or xdp-guard-CMD)
	local page=$1 name=$2 rendered="$BUILD/$2.txt" lint th_title th_section th_source
	local ref missing=()

	lint=$("$MANDOC" -Tlint "$page" 2>&1)
	if [[ -z $lint ]]; then
		pass "$name: lint"
	else
		mapfile -t lines <<<"$lint"
		fail "$name: lint" "${lines[@]}"
	fi

	if command -v "$GROFF" >/dev/null; then
		lint=$("$GROFF" -ww -man -z "$page" 2>&1)
		if [[ -z $lint ]]; then
			pass "$name: groff"
		else
			mapfile -t lines <<<"$lint"
			fail "$name: groff" "${lines[@]}"
		fi
	fi

	# .TH TITLE SECTION DATE SOURCE MANUAL, with quoted arguments.
	read -r th_title th_section th_source < <(awk '/^\.TH / {
		line = substr($0, 5); n = 0
		while (length(line) > 0) {
			sub(/^[ \t]+/, "", line)
			if (line == "") break
			if (substr(line, 1, 1) == "\"") {
				line = substr(line, 2); i = index(line, "\"")
				if (i == 0) i = length(line) + 1
				arg[++n] = substr(line, 1, i - 1); line = substr(line, i + 1)
			} else {
				i = match(line, /[ \t]/)
				if (i == 0) i = length(line) + 1
				arg[++n] = substr(line, 1, i - 1); line = substr(line, i)
			}
		}
		gsub(/ /, "_", arg[4])
		print arg[1], arg[2], arg[4]; exit }' "$page")
	local want_title=${name^^}
	if [[ $th_title == "$want_title" && $th_section == 8 &&
	      $th_source == "xdp-guard_$version" ]] &&
	   section NAME <"$rendered" | norm | grep -q "^$name - "; then
		pass "$name: header"
	else
		fail "$name: header" \
		     "want: .TH $want_title 8 DATE \"xdp-guard $version\", NAME \"$name - ...\"" \
		     "got:  .TH $th_title $th_section DATE \"${th_source//_/ }\"," \
		     "      NAME \"$(section NAME <"$rendered" | norm)\""
	fi

	while read -r ref; do
		[[ -f $MANDIR/$ref.8 ]] || missing+=("$ref(8)")
	done < <(grep -o 'xdp-guard[a-z-]*(8)' "$rendered" | sed 's/(8)$//' | sort -u)
	if ((${#missing[@]} == 0)); then
		pass "$name: xrefs"
	else
		fail "$name: xrefs" "refers to pages that do not exist: ${missing[*]}"
	fi
}

page=$MANDIR/xdp-guard.8
if [[ ! -f $page ]]; then
	fail "xdp-guard: exists" "no $page"
else
	pass "xdp-guard: exists"
	render "$page" >"$BUILD/xdp-guard.txt"
	"$CLI" --help >"$BUILD/xdp-guard.help.txt" 2>&1
	want=$(awk 'NR == 1 && /^Usage: / { sub(/^Usage: /, ""); print; next }
		    NR > 1 && /^       xdp-guard/ { print; next }
		    { exit }' "$BUILD/xdp-guard.help.txt" | norm)
	got=$(section SYNOPSIS <"$BUILD/xdp-guard.txt" | norm)
	if [[ -n $want && $got == "$want" ]]; then
		pass "xdp-guard: synopsis"
	else
		fail "xdp-guard: synopsis" "--help: $want" "page:   $got"
	fi
	# The options of the top level are the ones its usage lines name.
	section OPTIONS <"$BUILD/xdp-guard.txt" >"$BUILD/xdp-guard.options.txt"
	for long in $(grep -o -- '--[a-z][a-z-]*' <<<"$want" | sort -u); do
		if option_tags <"$BUILD/xdp-guard.options.txt" | grep -q -- "\(^\|, \)$long\( \|$\)"; then
			pass "xdp-guard: option $long"
		else
			fail "xdp-guard: option $long" "no entry for $long in OPTIONS"
		fi
	done
	check_page_common "$page" xdp-guard
fi

# ---- one page per command -----------------------------------------------

for cmd in "${commands[@]}"; do
	name=xdp-guard-$cmd
	page=$MANDIR/$name.8
	help="$BUILD/$name.help.txt"

	if [[ ! -f $page ]]; then
		fail "$name: exists" "'xdp-guard help' lists '$cmd', but there is no $page"
		continue
	fi
	pass "$name: exists"
	render "$page" >"$BUILD/$name.txt"

	if ! "$CLI" "$cmd" --help >"$help" 2>&1; then
		fail "$name: synopsis" "'xdp-guard $cmd --help' failed: $(head -1 "$help")"
		continue
	fi
	want=$(sed -n '1s/^Usage: //p' "$help" | norm)
	got=$(section SYNOPSIS <"$BUILD/$name.txt" | norm)
	if [[ -n $want && $got == "$want" ]]; then
		pass "$name: synopsis"
	else
		fail "$name: synopsis" "--help: $want" "page:   $got"
	fi

	options="$BUILD/$name.options.txt"
	section OPTIONS <"$BUILD/$name.txt" >"$options"
	declare -A known=()
	while IFS=$'\t' read -r tag long; do
		known[$long]=1
		if has_tag "$options" "$tag"; then
			pass "$name: option $long"
		else
			fail "$name: option $long" "no entry tagged \"$tag\" in OPTIONS"
		fi
	done < <(help_options <"$help")
	if ((${#known[@]} == 0)); then
		fail "$name: options" "no options found in 'xdp-guard $cmd --help'"
	fi
	stale=()
	while IFS= read -r tag; do
		for long in $(grep -o -- '--[a-z0-9][a-z0-9-]*' <<<"$tag"); do
			[[ -n ${known[$long]:-} ]] || stale+=("$long")
		done
	done < <(option_tags <"$options")
	if ((${#stale[@]} == 0)); then
		pass "$name: no-stale-options"
	else
		fail "$name: no-stale-options" \
		     "OPTIONS documents what --help does not list: ${stale[*]}"
	fi
	unset known

	check_page_common "$page" "$name"
done

# ---- every page belongs to a command ------------------------------------

for page in "$MANDIR"/*.8; do
	[[ -e $page ]] || continue
	base=$(basename "$page" .8)
	ok=
	[[ $base == xdp-guard ]] && ok=1
	for cmd in "${commands[@]}"; do
		[[ $base == "xdp-guard-$cmd" ]] && ok=1
	done
	if [[ -n $ok ]]; then
		pass "$base: no-stale-page"
	else
		fail "$base: no-stale-page" \
		     "$page documents no command that 'xdp-guard help' lists (${commands[*]})"
	fi
done

echo "$passed passed, $failed failed"
((failed == 0))
