using System.Buffers.Binary;

namespace Mae.Cluster.Inference.Imaging;

/// <summary>
/// Detects encoded images that stop early. ImageSharp fills the missing part of a truncated JPEG or PNG with
/// grey or black and reports success, while Pillow (without LOAD_TRUNCATED_IMAGES) refuses them; to fail the
/// same way, the container structure is walked before decoding. Each walk only follows lengths and markers,
/// so it costs a fraction of the decode.
/// </summary>
internal static class EncodedImageCompleteness
{
    /// <summary>Throws <see cref="ImageDecodeException"/> when <paramref name="data"/> is cut short.</summary>
    public static void EnsureComplete(string formatName, ReadOnlySpan<byte> data)
    {
        string? truncation = formatName switch
        {
            "JPEG" => FindJpegTruncation(data),
            "PNG" => FindPngTruncation(data),
            "GIF" => FindGifTruncation(data),
            "WEBP" => FindRiffTruncation(data),
            "BMP" => FindBmpTruncation(data),
            "TIFF" => FindTiffTruncation(data),
            _ => null,
        };
        if (truncation is not null)
        {
            throw new ImageDecodeException(ImageDecodeFailure.Truncated, $"truncated {formatName}: {truncation}");
        }
    }

    /// <summary>
    /// Walks the marker segments up to the end-of-image marker. Segment lengths skip over metadata (an EXIF
    /// thumbnail carries its own end-of-image marker), and inside entropy-coded data a 0xFF is always followed by
    /// a stuffed zero or a restart marker, so the first other marker ends the scan.
    /// </summary>
    private static string? FindJpegTruncation(ReadOnlySpan<byte> data)
    {
        int position = 2; // after start-of-image
        while (true)
        {
            int next = data[position..].IndexOf((byte)0xFF);
            if (next < 0)
            {
                return "no end-of-image marker";
            }

            position += next;
            while (position < data.Length && data[position] == 0xFF)
            {
                position++; // fill bytes
            }

            if (position >= data.Length)
            {
                return "no end-of-image marker";
            }

            byte marker = data[position++];
            if (marker == 0xD9)
            {
                return null;
            }

            if (marker is 0x00 or 0x01 or 0xD8 or (>= 0xD0 and <= 0xD7))
            {
                continue; // markers without a length field
            }

            if (position + 2 > data.Length)
            {
                return $"ends inside marker 0xFF{marker:X2}";
            }

            int length = BinaryPrimitives.ReadUInt16BigEndian(data[position..]);
            if (length < 2)
            {
                throw new ImageDecodeException(ImageDecodeFailure.Corrupt,
                    $"corrupt JPEG: marker 0xFF{marker:X2} has length {length}");
            }

            if (position + length > data.Length)
            {
                return $"ends inside marker 0xFF{marker:X2} ({length} bytes announced, {data.Length - position} left)";
            }

            position += length;
            if (marker == 0xDA && !TrySkipEntropyCodedData(data, ref position))
            {
                return "ends inside the compressed image data";
            }
        }
    }

    private static bool TrySkipEntropyCodedData(ReadOnlySpan<byte> data, ref int position)
    {
        while (true)
        {
            int next = data[position..].IndexOf((byte)0xFF);
            if (next < 0 || position + next + 1 >= data.Length)
            {
                return false;
            }

            int marker = position + next;
            byte following = data[marker + 1];
            if (following is 0x00 or (>= 0xD0 and <= 0xD7))
            {
                position = marker + 2; // stuffed zero or restart marker: still inside the scan
                continue;
            }

            position = marker;
            return true;
        }
    }

    /// <summary>
    /// Follows chunk lengths up to IEND. Pillow also loads a PNG whose IEND is missing as long as the image data
    /// is complete; that is certain only when another chunk follows the IDAT run, so a file that stops right
    /// after an IDAT chunk (where a cut between two IDATs would look the same) counts as truncated.
    /// </summary>
    private static string? FindPngTruncation(ReadOnlySpan<byte> data)
    {
        long position = 8; // after the signature
        bool imageDataSeen = false, imageDataEnded = false;
        while (true)
        {
            if (position == data.Length && imageDataEnded)
            {
                return null;
            }

            if (position + 8 > data.Length)
            {
                return imageDataSeen ? "no IEND chunk after the image data" : "ends before the image data";
            }

            uint length = BinaryPrimitives.ReadUInt32BigEndian(data[(int)position..]);
            ReadOnlySpan<byte> type = data.Slice((int)position + 4, 4);
            if (position + 12 + length > data.Length)
            {
                return $"ends inside a {System.Text.Encoding.ASCII.GetString(type)} chunk";
            }

            if (type.SequenceEqual("IEND"u8))
            {
                return null;
            }

            bool isImageData = type.SequenceEqual("IDAT"u8);
            imageDataEnded |= imageDataSeen && !isImageData;
            imageDataSeen |= isImageData;
            position += 12 + length;
        }
    }

    /// <summary>Follows the blocks up to the end of the first frame, the only one decoded.</summary>
    private static string? FindGifTruncation(ReadOnlySpan<byte> data)
    {
        const int ScreenDescriptorEnd = 13;
        if (data.Length < ScreenDescriptorEnd)
        {
            return "ends inside the screen descriptor";
        }

        long position = ScreenDescriptorEnd + ColorTableLength(data[10]);
        while (true)
        {
            if (position >= data.Length)
            {
                return "ends before the first frame";
            }

            byte block = data[(int)position++];
            switch (block)
            {
                case 0x21: // extension: label, then data sub-blocks
                    position++;
                    if (!TrySkipSubBlocks(data, ref position))
                    {
                        return "ends inside an extension block";
                    }

                    break;
                case 0x2C: // image descriptor, optional local colour table, LZW code size, data sub-blocks
                    if (position + 9 > data.Length)
                    {
                        return "ends inside the first frame";
                    }

                    position += 9 + ColorTableLength(data[(int)position + 8]) + 1;
                    return TrySkipSubBlocks(data, ref position) ? null : "ends inside the first frame";
                case 0x3B:
                    throw new ImageDecodeException(ImageDecodeFailure.Corrupt, "corrupt GIF: no frames");
                default:
                    throw new ImageDecodeException(ImageDecodeFailure.Corrupt,
                        $"corrupt GIF: unexpected block 0x{block:X2} at byte {position - 1}");
            }
        }
    }

    private static int ColorTableLength(byte flags) => (flags & 0x80) != 0 ? 3 << ((flags & 7) + 1) : 0;

    private static bool TrySkipSubBlocks(ReadOnlySpan<byte> data, ref long position)
    {
        while (position < data.Length)
        {
            byte length = data[(int)position++];
            if (length == 0)
            {
                return true;
            }

            position += length;
        }

        return false;
    }

    /// <summary>WebP is a RIFF file: the header states the size of everything after its first 8 bytes.</summary>
    private static string? FindRiffTruncation(ReadOnlySpan<byte> data)
    {
        if (data.Length < 12)
        {
            return "ends inside the RIFF header";
        }

        long expected = 8L + BinaryPrimitives.ReadUInt32LittleEndian(data[4..]);
        return data.Length < expected ? $"RIFF header announces {expected} bytes, file has {data.Length}" : null;
    }

    /// <summary>Uncompressed bitmaps must hold every row the header announces.</summary>
    private static string? FindBmpTruncation(ReadOnlySpan<byte> data)
    {
        const int FileHeaderSize = 14;
        if (data.Length < FileHeaderSize + 16)
        {
            return "ends inside the header";
        }

        long pixelOffset = BinaryPrimitives.ReadUInt32LittleEndian(data[10..]);
        uint infoSize = BinaryPrimitives.ReadUInt32LittleEndian(data[FileHeaderSize..]);
        long width, height;
        int bitsPerPixel;
        uint compression = 0;
        if (infoSize == 12)
        {
            // OS/2 BITMAPCOREHEADER: 16-bit sizes, no compression field.
            width = BinaryPrimitives.ReadUInt16LittleEndian(data[18..]);
            height = BinaryPrimitives.ReadUInt16LittleEndian(data[20..]);
            bitsPerPixel = BinaryPrimitives.ReadUInt16LittleEndian(data[24..]);
        }
        else
        {
            if (data.Length < FileHeaderSize + 20)
            {
                return "ends inside the header";
            }

            width = BinaryPrimitives.ReadInt32LittleEndian(data[18..]);
            height = Math.Abs((long)BinaryPrimitives.ReadInt32LittleEndian(data[22..]));
            bitsPerPixel = BinaryPrimitives.ReadUInt16LittleEndian(data[28..]);
            compression = BinaryPrimitives.ReadUInt32LittleEndian(data[30..]);
        }

        // 0 = BI_RGB, 3 = BI_BITFIELDS, 6 = BI_ALPHABITFIELDS: plain rows. RLE and embedded JPEG/PNG vary in length.
        if (compression is not (0 or 3 or 6) || width <= 0 || bitsPerPixel <= 0)
        {
            return null;
        }

        // Rows are padded to 4 bytes; the padding of the last row is tolerated missing, as some writers omit it.
        long stride = ((width * bitsPerPixel) + 31) / 32 * 4;
        long expected = pixelOffset + (stride * (height - 1)) + (((width * bitsPerPixel) + 7) / 8);
        return data.Length < expected ? $"pixel rows need {expected} bytes, file has {data.Length}" : null;
    }

    /// <summary>
    /// The first page's strips (or tiles) must lie inside the file; ImageSharp reads missing ones as zeros.
    /// Only classic TIFF is checked; BigTIFF is left to the decoder.
    /// </summary>
    private static string? FindTiffTruncation(ReadOnlySpan<byte> data)
    {
        if (data.Length < 8)
        {
            return "ends inside the header";
        }

        var reader = new TiffReader(data, littleEndian: data[0] == (byte)'I');
        if (reader.UInt16(2) != 42)
        {
            return null;
        }

        long directory = reader.UInt32(4);
        if (directory + 2 > data.Length)
        {
            return "first image directory lies beyond the end of the file";
        }

        int entries = reader.UInt16((int)directory);
        if (directory + 2 + (12L * entries) > data.Length)
        {
            return "ends inside the first image directory";
        }

        TiffArray offsets = default, byteCounts = default;
        for (int i = 0; i < entries; i++)
        {
            int entry = (int)directory + 2 + (12 * i);
            ushort tag = reader.UInt16(entry);
            if (tag is not (StripOffsets or StripByteCounts or TileOffsets or TileByteCounts))
            {
                continue;
            }

            ushort type = reader.UInt16(entry + 2);
            long count = reader.UInt32(entry + 4);
            int size = type switch { 3 => 2, 4 => 4, _ => 0 };
            if (size == 0)
            {
                return null; // unusual layout: leave it to the decoder
            }

            long position = count * size <= 4 ? entry + 8 : reader.UInt32(entry + 8);
            if (position + (count * size) > data.Length)
            {
                return $"ends inside the values of TIFF tag {tag}";
            }

            var array = new TiffArray((int)position, (int)count, size);
            if (tag is StripOffsets or TileOffsets)
            {
                offsets = array;
            }
            else
            {
                byteCounts = array;
            }
        }

        int pieces = Math.Min(offsets.Count, byteCounts.Count);
        for (int i = 0; i < pieces; i++)
        {
            long end = reader.Element(offsets, i) + reader.Element(byteCounts, i);
            if (end > data.Length)
            {
                return $"image data needs {end} bytes, file has {data.Length}";
            }
        }

        return null;
    }

    private const ushort StripOffsets = 273;
    private const ushort StripByteCounts = 279;
    private const ushort TileOffsets = 324;
    private const ushort TileByteCounts = 325;

    private readonly record struct TiffArray(int Position, int Count, int ElementSize);

    private readonly ref struct TiffReader(ReadOnlySpan<byte> data, bool littleEndian)
    {
        private readonly ReadOnlySpan<byte> _data = data;

        public ushort UInt16(int position) => littleEndian
            ? BinaryPrimitives.ReadUInt16LittleEndian(_data[position..])
            : BinaryPrimitives.ReadUInt16BigEndian(_data[position..]);

        public uint UInt32(int position) => littleEndian
            ? BinaryPrimitives.ReadUInt32LittleEndian(_data[position..])
            : BinaryPrimitives.ReadUInt32BigEndian(_data[position..]);

        public long Element(TiffArray array, int index)
        {
            int position = array.Position + (index * array.ElementSize);
            return array.ElementSize == 2 ? UInt16(position) : UInt32(position);
        }
    }
}
