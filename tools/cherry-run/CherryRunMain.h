//===- CherryRunMain.h - The cherry-run command line ------------*- C++ -*-===//

#ifndef CHERRY_TOOLS_CHERRYRUNMAIN_H
#define CHERRY_TOOLS_CHERRYRUNMAIN_H

namespace cherry::run {

/// Parses the command line and runs the command; returns the exit status.
/// Every user error is one line "cherry-run: ..." on stderr and status 1.
int cherryRunMain(int argc, char **argv, const char *version);

} // namespace cherry::run

#endif // CHERRY_TOOLS_CHERRYRUNMAIN_H
