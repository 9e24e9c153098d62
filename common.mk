# SPDX-License-Identifier: GPL-2.0-only
#
# Rules shared by every folder's Makefile.
#
# Contract: a folder's Makefile sets TOPDIR (path to the top of the tree),
# then any of the variables below, then includes this file.
#   BPF_OBJS      BPF objects to build from FOO.bpf.c (FOO.bpf.o)
#   BPF_SKELS     skeleton headers to generate from BPF objects (FOO.skel.h)
#   LIB_OBJS      objects archived into LIB_ARCHIVE
#   LIB_ARCHIVE   static library to build from LIB_OBJS
#   USER_TARGETS  programs; each links FOO.o, USER_OBJS and libxdpguard
#   USER_OBJS     extra objects linked into every USER_TARGETS program
#   EXTRA_CLEAN   more files for `make clean`
# Every object depends on the makefiles and config.mk, so reconfiguring or
# editing a Makefile rebuilds; header dependencies come from -MMD.

include $(TOPDIR)/config.mk

CFLAGS ?= -O2 -g
CFLAGS += -Wall -Wextra -std=gnu11
CPPFLAGS += -I$(TOPDIR)/lib $(LIBBPF_CFLAGS) $(LIBXDP_CFLAGS)
ifeq ($(WERROR),1)
CFLAGS += -Werror
endif

BPF_CFLAGS ?= -O2 -g
# -mcpu=v3: the budgets use compare-and-swap (kernel 5.12 and later).
BPF_CFLAGS += -target bpf -mcpu=v3 -Wall -Wextra -Wno-unused-parameter \
	$(BPF_SYS_INCLUDE) -I$(TOPDIR)/lib

LIBXDPGUARD := $(TOPDIR)/lib/libxdpguard.a
LDLIBS += $(LIBXDP_LIBS) $(LIBBPF_LIBS) -lelf -lz

COMMON_DEPS := Makefile $(TOPDIR)/common.mk $(TOPDIR)/config.mk

all: $(BPF_OBJS) $(BPF_SKELS) $(LIB_ARCHIVE) $(USER_TARGETS)

%.bpf.o: %.bpf.c $(COMMON_DEPS)
	$(CLANG) $(BPF_CFLAGS) -MMD -MP -c $< -o $@

%.o: %.c $(COMMON_DEPS)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

ifneq ($(LIB_ARCHIVE),)
$(LIB_ARCHIVE): $(LIB_OBJS)
	$(AR) rcs $@ $^
endif

$(USER_TARGETS): %: %.o $(USER_OBJS) $(LIBXDPGUARD)
	$(CC) $(LDFLAGS) $(CFLAGS) -o $@ $^ $(LDLIBS)

clean::
	rm -f $(BPF_OBJS) $(BPF_SKELS) $(LIB_ARCHIVE) $(LIB_OBJS) \
		$(USER_TARGETS) $(addsuffix .o,$(USER_TARGETS)) $(USER_OBJS) \
		*.d $(EXTRA_CLEAN)

.PHONY: all clean

-include $(wildcard *.d)
