using System.Globalization;
using System.Text;

namespace Mae.Cluster.Storage.Tests.Formats.Support;

/// <summary>
/// Builds tar archives byte by byte, including the broken and hostile ones no well-behaved tool writes:
/// names with "..", NUL or backslashes, links, devices, bad checksums, PAX and GNU extension headers.
/// </summary>
internal sealed class TarBuilder
{
    public const int Block = 512;
    private readonly List<byte> _bytes = [];

    /// <summary>Appends a member: a POSIX ustar header, then the data padded to whole blocks.</summary>
    public TarBuilder Add(string name, byte[] data, char type = '0', string linkName = "", bool gnuMagic = false, long? sizeField = null)
    {
        var header = Header(name, sizeField ?? data.Length, type, linkName, gnuMagic);
        _bytes.AddRange(header);
        _bytes.AddRange(data);
        Pad();
        return this;
    }

    public TarBuilder Add(string name, string text) => Add(name, Encoding.UTF8.GetBytes(text));

    /// <summary>Appends a header-only member (link, directory, device, FIFO).</summary>
    public TarBuilder AddHeaderOnly(string name, char type, string linkName = "") => Add(name, [], type, linkName);

    /// <summary>Appends a PAX extended header ('x', or 'g' when global) with the given records.</summary>
    public TarBuilder Pax(IEnumerable<KeyValuePair<string, string>> records, bool global = false)
    {
        using var data = new MemoryStream();
        foreach (var (key, value) in records)
        {
            data.Write(PaxRecord(key, value));
        }

        return Add(global ? "pax_global_header" : "PaxHeaders/x", data.ToArray(), global ? 'g' : 'x');
    }

    /// <summary>Appends a GNU long name ('L') entry that names the next member.</summary>
    public TarBuilder GnuLongName(string name) =>
        Add("././@LongLink", [.. Encoding.UTF8.GetBytes(name), 0], 'L', gnuMagic: true);

    public TarBuilder Raw(ReadOnlySpan<byte> bytes)
    {
        _bytes.AddRange(bytes);
        return this;
    }

    /// <summary>Appends the end-of-archive marker: two zero blocks.</summary>
    public TarBuilder End() => Raw(new byte[2 * Block]);

    public byte[] ToArray() => [.. _bytes];

    public int Length => _bytes.Count;

    /// <summary>A 512-byte header with a correct checksum (unless <paramref name="corruptChecksum"/>).</summary>
    public static byte[] Header(string name, long size, char type = '0', string linkName = "", bool gnuMagic = false, bool corruptChecksum = false)
    {
        var header = new byte[Block];
        var nameBytes = Encoding.UTF8.GetBytes(name);
        if (nameBytes.Length > 100)
        {
            throw new ArgumentException("Use Pax or GnuLongName for names over 100 bytes.", nameof(name));
        }

        nameBytes.CopyTo(header, 0);
        Octal(header.AsSpan(100, 8), 0b110_100_100);
        Octal(header.AsSpan(108, 8), 1000);
        Octal(header.AsSpan(116, 8), 1000);
        Octal(header.AsSpan(124, 12), size);
        Octal(header.AsSpan(136, 12), 1_700_000_000);
        header[156] = (byte)type;
        Encoding.UTF8.GetBytes(linkName).CopyTo(header, 157);
        (gnuMagic ? "ustar  \0"u8 : "ustar\u000000"u8).CopyTo(header.AsSpan(257));
        header.AsSpan(148, 8).Fill((byte)' ');
        var sum = header.Sum(b => (int)b) + (corruptChecksum ? 1 : 0);
        Encoding.ASCII.GetBytes(Convert.ToString(sum, 8).PadLeft(6, '0') + "\0 ").CopyTo(header, 148);
        return header;
    }

    /// <summary>A PAX record "LEN key=value\n", LEN counting the whole record in bytes.</summary>
    public static byte[] PaxRecord(string key, string value)
    {
        var body = Encoding.UTF8.GetByteCount(key) + Encoding.UTF8.GetByteCount(value) + 3;
        var length = body + body.ToString(CultureInfo.InvariantCulture).Length;
        if (length.ToString(CultureInfo.InvariantCulture).Length != body.ToString(CultureInfo.InvariantCulture).Length)
        {
            length++;
        }

        return Encoding.UTF8.GetBytes($"{length} {key}={value}\n");
    }

    private static void Octal(Span<byte> field, long value)
    {
        if (value >= 1L << (3 * (field.Length - 1)))
        {
            // GNU base-256: top bit of the first byte set, big-endian number in the rest.
            field.Clear();
            field[0] = 0x80;
            System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(field[^8..], value);
            return;
        }

        var text = Convert.ToString(value, 8).PadLeft(field.Length - 1, '0');
        Encoding.ASCII.GetBytes(text).CopyTo(field);
        field[^1] = 0;
    }

    private void Pad()
    {
        var remainder = _bytes.Count % Block;
        if (remainder != 0)
        {
            _bytes.AddRange(new byte[Block - remainder]);
        }
    }
}
