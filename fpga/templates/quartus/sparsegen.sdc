# @@HEADER@@
# sparsegen.sdc: timing constraints of sparsegen_axi, configuration '@@NAME@@',
# for build.tcl on @@BOARD@@ (@@PART@@).  Only the clock: every other port is a
# virtual pin (build.tcl), so there are no I/O delays to constrain.

# @@CLOCK_MHZ@@ MHz, the configuration's clock_mhz
create_clock -name aclk -period @@CLOCK_NS@@ [get_ports {aclk}]
derive_clock_uncertainty
