namespace Mae.Cluster.TestSupport;

/// <summary>Damage as it was found in real outputs, for tests of the checks that must catch it.</summary>
public static class CorruptFiles
{
    /// <summary>
    /// Turns the caption column's definition levels of a metadata file whose <paramref name="rows"/> captions are all
    /// null from "absent" into "present" (RLE run header rows·2, value 0 → 1), the one-byte damage that concurrent
    /// writers sharing Parquet.Net fields produced. The level data is the only place where the 4-byte length 2 is
    /// followed by that run, even inside Snappy (which stores such short pages as literals).
    /// </summary>
    public static void MarkNullCaptionsPresent(byte[] metadataFile, int rows)
    {
        ArgumentNullException.ThrowIfNull(metadataFile);
        byte[] levels = [2, 0, 0, 0, checked((byte)(rows << 1)), 0];
        var at = metadataFile.AsSpan().IndexOf(levels);
        if (at < 0 || metadataFile.AsSpan(at + 1).IndexOf(levels) >= 0)
        {
            throw new InvalidOperationException("The file has no single run of null captions to damage.");
        }
        metadataFile[at + levels.Length - 1] = 1;
    }
}
