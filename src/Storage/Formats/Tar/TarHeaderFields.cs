using System.Text;

namespace Mae.Cluster.Storage.Formats;

/// <summary>
/// Field layout and decoding of one 512-byte tar header block (POSIX ustar, GNU and old V7 variants).
/// </summary>
internal static class TarHeaderFields
{
    public const int BlockSize = 512;

    private const int NameOffset = 0;
    private const int NameLength = 100;
    private const int SizeOffset = 124;
    private const int SizeLength = 12;
    private const int ChecksumOffset = 148;
    private const int ChecksumLength = 8;
    private const int TypeFlagOffset = 156;
    private const int LinkNameOffset = 157;
    private const int LinkNameLength = 100;
    private const int MagicOffset = 257;
    private const int PrefixOffset = 345;
    private const int PrefixLength = 155;

    public static bool IsAllZero(ReadOnlySpan<byte> block) => !block.ContainsAnyExcept((byte)0);

    /// <summary>
    /// Checks the header checksum: the sum of all header bytes with the checksum field counted as spaces.
    /// Like GNU tar and Go, both the unsigned sum (the standard) and the signed one (some old writers) are accepted.
    /// </summary>
    public static bool HasValidChecksum(ReadOnlySpan<byte> block, out long stored, out long computed)
    {
        computed = 0;
        long signedSum = 0;
        for (var i = 0; i < BlockSize; i++)
        {
            var inChecksumField = i >= ChecksumOffset && i < ChecksumOffset + ChecksumLength;
            var b = inChecksumField ? (byte)' ' : block[i];
            computed += b;
            signedSum += (sbyte)b;
        }

        if (!TryParseOctal(block.Slice(ChecksumOffset, ChecksumLength), out stored))
        {
            stored = -1;
            return false;
        }

        return stored == computed || stored == signedSum;
    }

    public static char TypeFlag(ReadOnlySpan<byte> block) => (char)block[TypeFlagOffset];

    /// <summary>The member path from the name field, with the ustar prefix field in front for POSIX headers.</summary>
    public static string Name(ReadOnlySpan<byte> block)
    {
        var name = CString(block.Slice(NameOffset, NameLength));
        if (IsPosixUstar(block))
        {
            var prefix = CString(block.Slice(PrefixOffset, PrefixLength));
            if (prefix.Length > 0)
            {
                return prefix + "/" + name;
            }
        }

        return name;
    }

    public static string LinkName(ReadOnlySpan<byte> block) => CString(block.Slice(LinkNameOffset, LinkNameLength));

    /// <summary>Decodes the size field: octal text, or GNU base-256 for sizes of 8 GiB and more.</summary>
    public static bool TryParseSize(ReadOnlySpan<byte> block, out long size)
    {
        var field = block.Slice(SizeOffset, SizeLength);
        if ((field[0] & 0x80) != 0)
        {
            return TryParseBase256(field, out size);
        }

        return TryParseOctal(field, out size);
    }

    /// <summary>Decodes a NUL-terminated byte string as UTF-8 (invalid bytes become U+FFFD).</summary>
    public static string CString(ReadOnlySpan<byte> field)
    {
        var end = field.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? field : field[..end]);
    }

    /// <summary>
    /// "ustar\0" followed by version "00" marks POSIX ustar, the only variant with a prefix field; GNU's "ustar  \0"
    /// keeps other data (times) in the same place.
    /// </summary>
    private static bool IsPosixUstar(ReadOnlySpan<byte> block) => block.Slice(MagicOffset, 6).SequenceEqual("ustar\0"u8);

    private static bool TryParseOctal(ReadOnlySpan<byte> field, out long value)
    {
        value = 0;
        var i = 0;
        while (i < field.Length && (field[i] == (byte)' ' || field[i] == 0))
        {
            i++;
        }

        var digits = 0;
        for (; i < field.Length && field[i] >= (byte)'0' && field[i] <= (byte)'7'; i++)
        {
            if (value > (long.MaxValue >> 3))
            {
                return false;
            }

            value = (value << 3) | (long)(field[i] - (byte)'0');
            digits++;
        }

        // What follows the digits may only be terminators.
        for (; i < field.Length; i++)
        {
            if (field[i] != (byte)' ' && field[i] != 0)
            {
                return false;
            }
        }

        return digits > 0;
    }

    private static bool TryParseBase256(ReadOnlySpan<byte> field, out long value)
    {
        value = 0;
        if (field[0] == 0xFF)
        {
            // Negative sizes are nonsense.
            return false;
        }

        // The first byte's top bit is the marker; its other bits belong to the number.
        ulong accumulated = (ulong)(field[0] & 0x7F);
        for (var i = 1; i < field.Length; i++)
        {
            if (accumulated > (ulong.MaxValue >> 8))
            {
                return false;
            }

            accumulated = (accumulated << 8) | field[i];
        }

        if (accumulated > long.MaxValue)
        {
            return false;
        }

        value = (long)accumulated;
        return true;
    }
}
