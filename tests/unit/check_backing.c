// SPDX-License-Identifier: GPL-2.0-or-later
#include "config.h"
#include "backing.h"
#include "check_run.h"
static Suite *s_(void) { return suite_create("backing"); }
int main(void) { return check_run(s_()); }
