using Mae.Cluster.Pipeline.Results;
using Mae.Cluster.Storage.Formats;

namespace Mae.Cluster.Pipeline;

/// <summary>
/// Reads a shard's result files back before its commit record is written, with a reader the writer does not share
/// (<see cref="ResultParquetReader"/>; the .npy header and length), and compares them with what was meant to be
/// written: a file that does not read back is written again, never committed.
/// </summary>
internal static class ResultFileCheck
{
    /// <summary>Why <paramref name="file"/> is not the metadata of <paramref name="written"/>, or null when it is, value for value.</summary>
    public static string? Metadata(Stream file, IReadOnlyList<MetadataRow> written, bool includeMask)
    {
        IReadOnlyList<MetadataRow> read;
        try
        {
            read = ResultParquetReader.ReadMetadata(file);
        }
        catch (InvalidDataException e)
        {
            return e.Message;
        }
        if (read.Count != written.Count)
        {
            return $"it reads back {read.Count} rows, {written.Count} were written";
        }
        for (var i = 0; i < read.Count; i++)
        {
            var (r, w) = (read[i], written[i]);
            // Record equality covers every column but the mask, a list compared by reference.
            var same = r with { Mask = null } == w with { Mask = null }
                       && (includeMask ? r.Mask is not null && r.Mask.SequenceEqual(w.Mask!) : r.Mask is null);
            if (!same)
            {
                return $"row {i} (key '{w.Key}') reads back as other values";
            }
        }
        return null;
    }

    /// <summary>Why <paramref name="file"/> is not the failures file of <paramref name="written"/>, or null when it is.</summary>
    public static string? Failures(Stream file, IReadOnlyList<FailureRow> written)
    {
        try
        {
            var read = ResultParquetReader.ReadFailures(file);
            return read.SequenceEqual(written) ? null : $"it reads back other rows ({read.Count} rows, {written.Count} were written)";
        }
        catch (InvalidDataException e)
        {
            return e.Message;
        }
    }

    /// <summary>Why <paramref name="file"/> (from its start) is not an .npy of <paramref name="rows"/> rows of <paramref name="rowShape"/>, or null.</summary>
    public static string? Array(Stream file, long length, long rows, IReadOnlyList<int> rowShape, NpyElementType elementType)
    {
        try
        {
            var (descr, fortranOrder, shape) = NpyHeader.Read(file);
            long[] expectedShape = [rows, .. rowShape.Select(d => (long)d)];
            var expected = file.Position + (expectedShape.Aggregate(1L, (product, d) => product * d) * NpyHeader.ElementSize(elementType));
            if (descr != NpyHeader.Descr(elementType) || fortranOrder || !shape.SequenceEqual(expectedShape))
            {
                return $"its header says {descr} {string.Join('×', shape)}, expected {NpyHeader.Descr(elementType)} {string.Join('×', expectedShape)}";
            }
            return length == expected ? null : $"it holds {length} bytes, its header needs {expected}";
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
        {
            return $"its header is unreadable: {e.Message}";
        }
    }
}
