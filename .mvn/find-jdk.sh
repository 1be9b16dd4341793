# Finds a JDK 21 or newer, so that nobody has to set JAVA_HOME to build or run Rill. POSIX sh, sourced by
# mvnw, examples/run, benchmarks/run and .ci/run; it exports JAVA_HOME or exits.
#
# Order: JAVA_HOME when it names a JDK 21+; else `java` on the PATH when that is a JDK 21+; else the newest
# JDK 21+ in the usual install locations (/usr/lib/jvm, /usr/java, /opt, SDKMAN, IntelliJ's ~/.jdks, mise,
# asdf, macOS and Homebrew). None found: it says what to install and exits 1.

# Prints the major version of the JDK in directory $1 (it must have bin/java and bin/javac), else nothing.
rill_jdk_major() {
  if [ ! -x "$1/bin/java" ] || [ ! -x "$1/bin/javac" ]; then
    return 0
  fi
  rill_version=""
  if [ -f "$1/release" ]; then
    rill_version=$(sed -n 's/^JAVA_VERSION="\([^"]*\)".*/\1/p' "$1/release")
  fi
  if [ -z "$rill_version" ]; then
    rill_version=$("$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
  fi
  case "$rill_version" in
    1.*) rill_version=${rill_version#1.} ;;
  esac
  rill_version=${rill_version%%[!0-9]*}
  if [ -n "$rill_version" ]; then
    printf '%s\n' "$rill_version"
  fi
}

rill_find_jdk() {
  rill_minimum=21
  rill_why="JAVA_HOME is not set"
  if [ -n "${JAVA_HOME:-}" ]; then
    rill_major=$(rill_jdk_major "$JAVA_HOME")
    if [ -n "$rill_major" ] && [ "$rill_major" -ge "$rill_minimum" ]; then
      return 0
    fi
    rill_why="JAVA_HOME=$JAVA_HOME is ${rill_major:+JDK $rill_major, }not a JDK $rill_minimum or newer"
  fi

  rill_java=$(command -v java 2>/dev/null || true)
  if [ -n "$rill_java" ]; then
    rill_java=$(readlink -f "$rill_java" 2>/dev/null || printf '%s' "$rill_java")
    rill_home=$(dirname "$(dirname "$rill_java")")
    rill_major=$(rill_jdk_major "$rill_home")
    if [ -n "$rill_major" ] && [ "$rill_major" -ge "$rill_minimum" ]; then
      JAVA_HOME=$rill_home
      export JAVA_HOME
      echo "Using JDK $rill_major at $JAVA_HOME (java on the PATH; $rill_why)" >&2
      return 0
    fi
  fi

  rill_best=""
  rill_best_major=0
  rill_globbing_was_off=false
  case $- in *f*) rill_globbing_was_off=true; set +f ;; esac
  rill_user_home=${HOME:-/nonexistent}
  for rill_home in /usr/lib/jvm/* /usr/java/* /usr/local/java/* /opt/* /opt/java/* /opt/jdk/* \
      "$rill_user_home"/.sdkman/candidates/java/* "$rill_user_home"/.jdks/* \
      "$rill_user_home"/.local/share/mise/installs/java/* "$rill_user_home"/.asdf/installs/java/* \
      /Library/Java/JavaVirtualMachines/*/Contents/Home "$rill_user_home"/Library/Java/JavaVirtualMachines/*/Contents/Home \
      /opt/homebrew/opt/openjdk*/libexec/openjdk.jdk/Contents/Home /usr/local/opt/openjdk*/libexec/openjdk.jdk/Contents/Home; do
    rill_major=$(rill_jdk_major "$rill_home")
    if [ -n "$rill_major" ] && [ "$rill_major" -ge "$rill_minimum" ] && [ "$rill_major" -gt "$rill_best_major" ]; then
      rill_best=$rill_home
      rill_best_major=$rill_major
    fi
  done
  if [ "$rill_globbing_was_off" = true ]; then
    set -f
  fi

  if [ -n "$rill_best" ]; then
    JAVA_HOME=$rill_best
    export JAVA_HOME
    echo "Using JDK $rill_best_major at $JAVA_HOME ($rill_why)" >&2
    return 0
  fi
  cat >&2 <<EOF
No JDK $rill_minimum or newer found ($rill_why; looked at java on the PATH, /usr/lib/jvm, /usr/java, /opt,
~/.sdkman, ~/.jdks, mise, asdf and the macOS locations). Install one, then run the same command again:
  Debian 13, Ubuntu 24.04:  sudo apt-get install openjdk-21-jdk-headless   (or openjdk-25-jdk-headless)
  Debian 12, other Linux:   Eclipse Temurin 21 or 25 (package temurin-21-jdk from Adoptium's apt repository),
                            or SDKMAN: sdk install java 21.0.<n>-tem (the exact name: sdk list java)
  macOS:                    brew install openjdk@21
Or point JAVA_HOME at a JDK $rill_minimum or newer that is installed elsewhere.
EOF
  exit 1
}

rill_find_jdk
