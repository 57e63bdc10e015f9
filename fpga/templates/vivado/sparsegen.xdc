# @@HEADER@@
# sparsegen.xdc: timing constraints of sparsegen_axi, configuration '@@NAME@@',
# for the out-of-context flow of build.tcl on @@BOARD@@ (@@PART@@).
# Only the clock: no pin locations, no I/O delays (the ports are not pins).

# @@CLOCK_MHZ@@ MHz, the configuration's clock_mhz
create_clock -name aclk -period @@CLOCK_NS@@ [get_ports aclk]

# Out of context the clock port has no buffer: tell the timer that a global
# clock buffer drives it, as the out-of-context constraints of Vivado's own
# IP do, so clock skew and routing are estimated as in the full design.
set_property HD.CLK_SRC BUFGCTRL_X0Y0 [get_ports aclk]
