// SPDX-License-Identifier: GPL-2.0-or-later
/* tier.c - placeholder: filled in with the tier. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "tier.h"
