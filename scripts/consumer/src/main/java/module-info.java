/** The example consumer as a named module: run it with --module-path and the flag exported to org.agrona. */
module com.example.consumer
{
    requires io.shmipc;
}
