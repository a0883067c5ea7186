using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Mae.Cluster.Storage.Formats;

/// <summary>
/// The .npy header, written exactly as numpy's <c>np.save</c> writes it (format 1.0): magic "\x93NUMPY", version
/// 1.0, a little-endian uint16 header length, then a Python dict literal padded with spaces and ended by '\n' so
/// the data starts at a multiple of 64 bytes. Like numpy, the header reserves room for a 21-digit first
/// dimension, so its length does not depend on the row count and can be rewritten in place.
/// </summary>
public static partial class NpyHeader
{
    public const int Alignment = 64;
    private const int GrowthAxisMaxDigits = 21;
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    public static string Descr(NpyElementType elementType) => elementType switch
    {
        NpyElementType.Fp32 => "<f4",
        NpyElementType.Fp16 => "<f2",
        _ => throw new ArgumentOutOfRangeException(nameof(elementType), elementType, "Unknown .npy element type."),
    };

    public static int ElementSize(NpyElementType elementType) => elementType == NpyElementType.Fp16 ? 2 : 4;

    /// <summary>The whole header (magic to '\n') for a C-order N×D array.</summary>
    public static byte[] Build(NpyElementType elementType, long rows, int columns) => Build(elementType, rows, [columns]);

    /// <summary>The whole header (magic to '\n') for a C-order array of <paramref name="rows"/> rows of shape <paramref name="rowShape"/> (N×T×D for [T, D]).</summary>
    public static byte[] Build(NpyElementType elementType, long rows, ReadOnlySpan<int> rowShape)
    {
        if (rowShape.IsEmpty)
        {
            throw new ArgumentException("A row needs at least one dimension.", nameof(rowShape));
        }
        var rowsText = rows.ToString(CultureInfo.InvariantCulture);
        var dimensions = new System.Text.StringBuilder();
        foreach (var dimension in rowShape)
        {
            dimensions.Append(", ").Append(dimension.ToString(CultureInfo.InvariantCulture));
        }
        var dict = $"{{'descr': '{Descr(elementType)}', 'fortran_order': False, 'shape': ({rowsText}{dimensions}), }}"
            + new string(' ', GrowthAxisMaxDigits - rowsText.Length);
        var prefixLength = Magic.Length + 2 + 2;
        var unpadded = prefixLength + dict.Length + 1;
        var padding = (Alignment - (unpadded % Alignment)) % Alignment;
        var headerLength = dict.Length + padding + 1;

        var bytes = new byte[prefixLength + headerLength];
        Magic.CopyTo(bytes, 0);
        bytes[6] = 1;
        bytes[7] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), (ushort)headerLength);
        Encoding.ASCII.GetBytes(dict, bytes.AsSpan(prefixLength));
        bytes.AsSpan(prefixLength + dict.Length, padding).Fill((byte)' ');
        bytes[^1] = (byte)'\n';
        return bytes;
    }

    /// <summary>Reads a version 1.x/2.x/3.x header; returns descr, fortran order and shape.</summary>
    /// <exception cref="InvalidDataException">The stream is not a .npy file this reader understands.</exception>
    public static (string Descr, bool FortranOrder, long[] Shape) Read(Stream source)
    {
        Span<byte> prefix = stackalloc byte[8];
        source.ReadExactly(prefix);
        if (!prefix[..6].SequenceEqual(Magic))
        {
            throw new InvalidDataException("Not a .npy file: the magic string \\x93NUMPY is missing.");
        }

        var major = prefix[6];
        int headerLength;
        if (major == 1)
        {
            Span<byte> length = stackalloc byte[2];
            source.ReadExactly(length);
            headerLength = BinaryPrimitives.ReadUInt16LittleEndian(length);
        }
        else if (major is 2 or 3)
        {
            Span<byte> length = stackalloc byte[4];
            source.ReadExactly(length);
            headerLength = checked((int)BinaryPrimitives.ReadUInt32LittleEndian(length));
        }
        else
        {
            throw new InvalidDataException($"Unsupported .npy format version {major}.{prefix[7]}.");
        }

        var header = new byte[headerLength];
        source.ReadExactly(header);
        var text = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(header);
        var match = HeaderPattern().Match(text);
        if (!match.Success)
        {
            throw new InvalidDataException($"Unreadable .npy header: {text.Trim()}");
        }

        var shape = match.Groups["shape"].Value
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(dimension => long.Parse(dimension, NumberStyles.None, CultureInfo.InvariantCulture))
            .ToArray();
        return (match.Groups["descr"].Value, match.Groups["fortran"].Value == "True", shape);
    }

    [GeneratedRegex(@"^\{'descr': '(?<descr>[^']+)', 'fortran_order': (?<fortran>True|False), 'shape': \((?<shape>[0-9, ]*)\), \}\s*$")]
    private static partial Regex HeaderPattern();
}
