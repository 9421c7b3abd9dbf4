package io.shmipc.tools;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Parses a byte offset or length: decimal, or hexadecimal with a {@code 0x} prefix. */
final class OffsetConverter implements ITypeConverter<Integer>
{
    @Override
    public Integer convert(final String value)
    {
        try
        {
            if (value.startsWith("0x") || value.startsWith("0X"))
            {
                return Integer.parseInt(value.substring(2), 16);
            }
            return Integer.parseInt(value);
        }
        catch (final NumberFormatException ex)
        {
            throw new TypeConversionException("'" + value + "' is not a decimal or 0x-prefixed hex int");
        }
    }
}
