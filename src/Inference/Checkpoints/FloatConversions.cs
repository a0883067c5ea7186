using System.Buffers.Binary;

namespace Mae.Cluster.Inference.Checkpoints;

/// <summary>
/// fp16 / bf16 / fp64 to and from fp32, little-endian byte layouts as safetensors stores them.
/// Narrowing rounds to nearest, ties to even (IEEE 754's default), as PyTorch does.
/// </summary>
internal static class FloatConversions
{
    public static ushort ToBFloat16Bits(float value)
    {
        var bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value))
        {
            // Keep sign and payload top bits but force a quiet NaN: truncation alone could clear every mantissa bit.
            return (ushort)((bits >> 16) | 0x0040);
        }

        // Adding 0x7FFF plus the kept part's lowest bit rounds half-way cases towards the even result.
        var roundingBias = 0x7FFFu + ((bits >> 16) & 1u);
        return (ushort)((bits + roundingBias) >> 16);
    }

    public static float FromBFloat16Bits(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);

    /// <summary>fp32 to IEEE binary16 bits; .NET's conversion rounds to nearest even, with subnormals and overflow to infinity.</summary>
    public static ushort ToHalfBits(float value) => BitConverter.HalfToUInt16Bits((Half)value);

    public static float FromHalfBits(ushort bits) => (float)BitConverter.UInt16BitsToHalf(bits);

    /// <summary>Widens little-endian elements of <paramref name="dtype"/> in <paramref name="source"/> into <paramref name="destination"/>.</summary>
    public static void Widen(SafetensorsDtype dtype, ReadOnlySpan<byte> source, Span<float> destination)
    {
        switch (dtype)
        {
            case SafetensorsDtype.F32:
                for (var i = 0; i < destination.Length; i++)
                {
                    destination[i] = BinaryPrimitives.ReadSingleLittleEndian(source[(i * 4)..]);
                }

                break;
            case SafetensorsDtype.F16:
                for (var i = 0; i < destination.Length; i++)
                {
                    destination[i] = FromHalfBits(BinaryPrimitives.ReadUInt16LittleEndian(source[(i * 2)..]));
                }

                break;
            case SafetensorsDtype.BF16:
                for (var i = 0; i < destination.Length; i++)
                {
                    destination[i] = FromBFloat16Bits(BinaryPrimitives.ReadUInt16LittleEndian(source[(i * 2)..]));
                }

                break;
            case SafetensorsDtype.F64:
                for (var i = 0; i < destination.Length; i++)
                {
                    destination[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(source[(i * 8)..]);
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(dtype), dtype, null);
        }
    }

    /// <summary>Narrows (or copies) fp32 values into little-endian elements of <paramref name="dtype"/>.</summary>
    public static void Narrow(SafetensorsDtype dtype, ReadOnlySpan<float> source, Span<byte> destination)
    {
        switch (dtype)
        {
            case SafetensorsDtype.F32:
                for (var i = 0; i < source.Length; i++)
                {
                    BinaryPrimitives.WriteSingleLittleEndian(destination[(i * 4)..], source[i]);
                }

                break;
            case SafetensorsDtype.F16:
                for (var i = 0; i < source.Length; i++)
                {
                    BinaryPrimitives.WriteUInt16LittleEndian(destination[(i * 2)..], ToHalfBits(source[i]));
                }

                break;
            case SafetensorsDtype.BF16:
                for (var i = 0; i < source.Length; i++)
                {
                    BinaryPrimitives.WriteUInt16LittleEndian(destination[(i * 2)..], ToBFloat16Bits(source[i]));
                }

                break;
            case SafetensorsDtype.F64:
                for (var i = 0; i < source.Length; i++)
                {
                    BinaryPrimitives.WriteDoubleLittleEndian(destination[(i * 8)..], source[i]);
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(dtype), dtype, null);
        }
    }
}
