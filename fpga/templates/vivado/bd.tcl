# @@HEADER@@
# bd.tcl: a Vivado project for @@BOARD@@ with a block design around sparsegen_axi,
# configuration '@@NAME@@':
#
#   Zynq UltraScale+ PS --M_AXI_HPM0_FPD--> SmartConnect --> AXI DMA (S_AXI_LITE)
#                                                       \--> sparsegen (s_axi_ctrl)
#   AXI DMA M_AXIS_MM2S --> sparsegen s_axis   (commands, @@STREAM_W@@ bits)
#   sparsegen m_axis --> AXI DMA S_AXIS_S2MM   (results)
#   AXI DMA M_AXI_MM2S, M_AXI_S2MM --> SmartConnect --> PS S_AXI_HP0_FPD (DDR)
#   pl_clk0 at @@CLOCK_MHZ@@ MHz (the configuration's clock; the board's default is
#   @@BOARD_CLOCK_MHZ@@ MHz) clocks everything; proc_sys_reset from pl_resetn0;
#   sparsegen's interrupt and the DMA's two go to pl_ps_irq0 (bits 0, 1, 2).
#
#   vivado -mode batch -source fpga/vivado/bd.tcl [-tclargs bitstream]
#
# Packages the IP first (package_ip.tcl) when fpga/vivado/ip/ holds none.  The
# project goes to fpga/vivado/bd_project/; with `bitstream` (or
# SPARSEGEN_BITSTREAM=1) it is also implemented, and the bitstream and a
# hardware platform (.xsa) are copied next to this script.  Without a board
# part the PS keeps Vivado's defaults: configure its DDR and MIO by hand.
# IP names, CONFIG properties and pin names are those public Vivado scripts
# use (2017.x to 2023.x); the script is tested against mocks, not Vivado.

set sg_part       {@@PART@@}
set sg_board_part {@@BOARD_PART@@}
set sg_config     {@@NAME@@}
set sg_top        {@@TOP@@}
set sg_irq        {@@IRQ@@}
set sg_clock_mhz  @@CLOCK_MHZ@@
set sg_stream_w   @@STREAM_W@@
set sg_vlnv       {@@IP_VENDOR@@:@@IP_LIBRARY@@:@@TOP@@}

set sg_here  [file dirname [file normalize [info script]]]
set sg_ipdir [file join $sg_here ip]
set sg_proj  [file join $sg_here bd_project]
set sg_bd    sparsegen_bd
set sg_bitstream [expr {([info exists argv] && [lsearch -exact $argv bitstream] >= 0)
                        || ([info exists env(SPARSEGEN_BITSTREAM)] && $env(SPARSEGEN_BITSTREAM) eq "1")}]

if {![file exists [file join $sg_ipdir component.xml]]} {
    source [file join $sg_here package_ip.tcl]
}

create_project -force sparsegen_bd $sg_proj -part $sg_part
if {$sg_board_part ne ""} {
    set_property board_part $sg_board_part [current_project]
}
set_property ip_repo_paths [list $sg_ipdir] [current_project]
update_ip_catalog
create_bd_design $sg_bd

# ---- cells -------------------------------------------------------------------
set ps [create_bd_cell -type ip -vlnv xilinx.com:ip:zynq_ultra_ps_e zynq_ultra_ps_e_0]
if {$sg_board_part ne ""} {
    # the board's DDR, MIO and clock settings
    apply_bd_automation -rule xilinx.com:bd_rule:zynq_ultra_ps_e -config {apply_board_preset "1"} $ps
}
# HPM0_FPD master (GP0) on, the other two masters off; HP0 slave (S_AXI_GP2)
# on; PL-to-PS interrupts; pl_clk0 at the configuration's clock (the PS
# rounds it to what its PLL dividers give)
set_property -dict [list \
    CONFIG.PSU__USE__M_AXI_GP0 {1} \
    CONFIG.PSU__USE__M_AXI_GP1 {0} \
    CONFIG.PSU__USE__M_AXI_GP2 {0} \
    CONFIG.PSU__USE__S_AXI_GP2 {1} \
    CONFIG.PSU__USE__IRQ0 {1} \
    CONFIG.PSU__FPGA_PL0_ENABLE {1} \
    CONFIG.PSU__CRL_APB__PL0_REF_CTRL__FREQMHZ $sg_clock_mhz \
] $ps

set rst [create_bd_cell -type ip -vlnv xilinx.com:ip:proc_sys_reset rst_pl0]

# simple (register) mode DMA; both memory sides as wide as the streams, the
# SmartConnect converts to the HP port's width
set dma [create_bd_cell -type ip -vlnv xilinx.com:ip:axi_dma axi_dma_0]
set_property -dict [list \
    CONFIG.c_include_sg {0} \
    CONFIG.c_sg_include_stscntrl_strm {0} \
    CONFIG.c_sg_length_width {26} \
    CONFIG.c_addr_width {64} \
    CONFIG.c_m_axi_mm2s_data_width $sg_stream_w \
    CONFIG.c_m_axis_mm2s_tdata_width $sg_stream_w \
    CONFIG.c_mm2s_burst_size {16} \
    CONFIG.c_m_axi_s2mm_data_width $sg_stream_w \
    CONFIG.c_s_axis_s2mm_tdata_width $sg_stream_w \
    CONFIG.c_s2mm_burst_size {16} \
] $dma

set acc [create_bd_cell -type ip -vlnv $sg_vlnv sparsegen_0]

set ctl [create_bd_cell -type ip -vlnv xilinx.com:ip:smartconnect smc_ctrl]
set_property -dict [list CONFIG.NUM_SI {1} CONFIG.NUM_MI {2}] $ctl
set mem [create_bd_cell -type ip -vlnv xilinx.com:ip:smartconnect smc_mem]
set_property -dict [list CONFIG.NUM_SI {2} CONFIG.NUM_MI {1}] $mem
set irq [create_bd_cell -type ip -vlnv xilinx.com:ip:xlconcat irq_concat]
set_property -dict [list CONFIG.NUM_PORTS {3}] $irq

# ---- AXI -----------------------------------------------------------------------
connect_bd_intf_net [get_bd_intf_pins zynq_ultra_ps_e_0/M_AXI_HPM0_FPD] [get_bd_intf_pins smc_ctrl/S00_AXI]
connect_bd_intf_net [get_bd_intf_pins smc_ctrl/M00_AXI] [get_bd_intf_pins axi_dma_0/S_AXI_LITE]
connect_bd_intf_net [get_bd_intf_pins smc_ctrl/M01_AXI] [get_bd_intf_pins sparsegen_0/s_axi_ctrl]
connect_bd_intf_net [get_bd_intf_pins axi_dma_0/M_AXIS_MM2S] [get_bd_intf_pins sparsegen_0/s_axis]
connect_bd_intf_net [get_bd_intf_pins sparsegen_0/m_axis] [get_bd_intf_pins axi_dma_0/S_AXIS_S2MM]
connect_bd_intf_net [get_bd_intf_pins axi_dma_0/M_AXI_MM2S] [get_bd_intf_pins smc_mem/S00_AXI]
connect_bd_intf_net [get_bd_intf_pins axi_dma_0/M_AXI_S2MM] [get_bd_intf_pins smc_mem/S01_AXI]
connect_bd_intf_net [get_bd_intf_pins smc_mem/M00_AXI] [get_bd_intf_pins zynq_ultra_ps_e_0/S_AXI_HP0_FPD]

# ---- clock, reset, interrupts ----------------------------------------------------
set clk [get_bd_pins zynq_ultra_ps_e_0/pl_clk0]
foreach p {zynq_ultra_ps_e_0/maxihpm0_fpd_aclk zynq_ultra_ps_e_0/saxihp0_fpd_aclk
           rst_pl0/slowest_sync_clk
           axi_dma_0/s_axi_lite_aclk axi_dma_0/m_axi_mm2s_aclk axi_dma_0/m_axi_s2mm_aclk
           smc_ctrl/aclk smc_mem/aclk sparsegen_0/aclk} {
    connect_bd_net $clk [get_bd_pins $p]
}
# a board preset may leave other PS master clocks enabled: clock them too
foreach p {zynq_ultra_ps_e_0/maxihpm1_fpd_aclk zynq_ultra_ps_e_0/maxihpm0_lpd_aclk} {
    set pin [get_bd_pins -quiet $p]
    if {$pin ne "" && [get_bd_nets -quiet -of_objects $pin] eq ""} {
        connect_bd_net $clk $pin
    }
}
connect_bd_net [get_bd_pins zynq_ultra_ps_e_0/pl_resetn0] [get_bd_pins rst_pl0/ext_reset_in]
foreach p {smc_ctrl/aresetn smc_mem/aresetn} {
    connect_bd_net [get_bd_pins rst_pl0/interconnect_aresetn] [get_bd_pins $p]
}
foreach p {axi_dma_0/axi_resetn sparsegen_0/aresetn} {
    connect_bd_net [get_bd_pins rst_pl0/peripheral_aresetn] [get_bd_pins $p]
}
connect_bd_net [get_bd_pins sparsegen_0/$sg_irq] [get_bd_pins irq_concat/In0]
connect_bd_net [get_bd_pins axi_dma_0/mm2s_introut] [get_bd_pins irq_concat/In1]
connect_bd_net [get_bd_pins axi_dma_0/s2mm_introut] [get_bd_pins irq_concat/In2]
connect_bd_net [get_bd_pins irq_concat/dout] [get_bd_pins zynq_ultra_ps_e_0/pl_ps_irq0]

# ---- addresses, checks, wrapper ---------------------------------------------------
assign_bd_address
validate_bd_design
save_bd_design
set sg_bd_file [get_files $sg_bd.bd]
generate_target all $sg_bd_file
add_files -norecurse [make_wrapper -files $sg_bd_file -top]
set_property top ${sg_bd}_wrapper [current_fileset]
update_compile_order -fileset sources_1
puts "sparsegen: block design $sg_bd in [file join $sg_proj sparsegen_bd.xpr]"

if {$sg_bitstream} {
    launch_runs impl_1 -to_step write_bitstream -jobs 2
    wait_on_run impl_1
    if {[get_property PROGRESS [get_runs impl_1]] ne "100%"} {
        error "sparsegen: implementation of $sg_bd failed (see [file join $sg_proj sparsegen_bd.runs impl_1])"
    }
    set sg_bit [lindex [glob -directory [get_property DIRECTORY [get_runs impl_1]] *.bit] 0]
    file copy -force $sg_bit [file join $sg_here $sg_bd.bit]
    write_hw_platform -fixed -include_bit -force -file [file join $sg_here $sg_bd.xsa]
    puts "sparsegen: bitstream [file join $sg_here $sg_bd.bit], platform [file join $sg_here $sg_bd.xsa]"
}
