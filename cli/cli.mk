# cli/: the isolab program — a thin command table over the engine library.
bin_PROGRAMS += isolab
isolab_SOURCES = cli/isolab.c cli/cmd.h cli/cmd-run.c cli/cmd-report.c \
	cli/cmd-list.c cli/cmd-config.c cli/cmd-cleanup.c \
	cli/cmd-agent.c cli/ssh-prompt.c
isolab_SOURCES += cli/cmd-lab.c
isolab_SOURCES += cli/cmd-fetch-kernel.c
isolab_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/cli
isolab_LDADD = $(ISOLAB_LIBS)
dist_man_MANS += man/isolab.1
