using ParquetSharp;

namespace Mae.Cluster.Pipeline.Results;

/// <summary>
/// Reads result Parquet files back with ParquetSharp (Apache Arrow's C++ implementation), a reader independent of
/// the Parquet.Net writer in <see cref="ResultParquetFiles"/>: what one writes wrongly the other does not share,
/// so a file it reads is one other tools (pyarrow, DuckDB, Spark) read too. Every value of every column is decoded.
/// </summary>
public static class ResultParquetReader
{
    private static readonly string[] MetadataColumns = ["key", "image_path", "mae_loss", "width", "height", "caption"];
    private static readonly string[] FailureColumns = ["key", "image_path", "error"];

    /// <summary>Every row of a metadata file, with its mask when the file has the mask column.</summary>
    /// <param name="file">The whole file; must be seekable; not disposed.</param>
    /// <exception cref="InvalidDataException">The file is not a readable metadata file, or its schema is not the metadata schema.</exception>
    public static IReadOnlyList<MetadataRow> ReadMetadata(Stream file)
    {
        ArgumentNullException.ThrowIfNull(file);
        return Read(file, "metadata", reader =>
        {
            var hasMask = RequireColumns(reader, MetadataColumns, optional: "mask");
            var keys = ReadColumn<string>(reader, 0);
            var paths = ReadColumn<string>(reader, 1);
            // A job without the loss writes mae_loss optional (all null); ParquetSharp's reader type must match.
            var losses = reader.FileMetaData.Schema.Column(2).MaxDefinitionLevel > 0
                ? ReadColumn<float?>(reader, 2)
                : ReadColumn<float>(reader, 2).ConvertAll(loss => (float?)loss);
            var widths = ReadColumn<int>(reader, 3);
            var heights = ReadColumn<int>(reader, 4);
            var captions = ReadColumn<string?>(reader, 5);
            var masks = hasMask ? ReadColumn<bool[]>(reader, 6) : null;
            return keys.Select((key, i) => new MetadataRow(key, paths[i], losses[i], widths[i], heights[i], captions[i], masks?[i])).ToArray();
        });
    }

    /// <summary>Every row of a failures file.</summary>
    /// <param name="file">The whole file; must be seekable; not disposed.</param>
    /// <exception cref="InvalidDataException">The file is not a readable failures file.</exception>
    public static IReadOnlyList<FailureRow> ReadFailures(Stream file)
    {
        ArgumentNullException.ThrowIfNull(file);
        return Read(file, "failures", reader =>
        {
            RequireColumns(reader, FailureColumns, optional: null);
            var keys = ReadColumn<string>(reader, 0);
            var paths = ReadColumn<string>(reader, 1);
            var errors = ReadColumn<string>(reader, 2);
            return keys.Select((key, i) => new FailureRow(key, paths[i], errors[i])).ToArray();
        });
    }

    private static T Read<T>(Stream file, string kind, Func<ParquetFileReader, T> read)
    {
        try
        {
            using var reader = new ParquetFileReader(file, leaveOpen: true);
            return read(reader);
        }
        // ParquetSharp reports a malformed file as ParquetException, a column of another type as InvalidCastException
        // or InvalidOperationException, and a file cut short as IOException; all of them mean "not this file".
        catch (Exception e) when (e is ParquetException or InvalidCastException or InvalidOperationException or IOException or ArgumentException)
        {
            throw new InvalidDataException($"Not a readable {kind} file: {Describe(e)}", e);
        }
    }

    /// <summary>Checks the column names in order; returns whether the optional trailing column is there.</summary>
    private static bool RequireColumns(ParquetFileReader reader, string[] names, string? optional)
    {
        var schema = reader.FileMetaData.Schema;
        var actual = Enumerable.Range(0, schema.NumColumns).Select(i => schema.Column(i).Path.ToDotVector()[0]).ToArray();
        var withOptional = optional is null ? names : [.. names, optional];
        if (actual.SequenceEqual(names))
        {
            return false;
        }
        if (actual.SequenceEqual(withOptional))
        {
            return true;
        }
        throw new InvalidDataException($"Unexpected columns ({string.Join(", ", actual)}); expected {string.Join(", ", withOptional)}.");
    }

    private static List<T> ReadColumn<T>(ParquetFileReader reader, int column)
    {
        var values = new List<T>(checked((int)reader.FileMetaData.NumRows));
        for (var group = 0; group < reader.FileMetaData.NumRowGroups; group++)
        {
            using var rowGroup = reader.RowGroup(group);
            var rows = checked((int)rowGroup.MetaData.NumRows);
            using var columnReader = rowGroup.Column(column).LogicalReader<T>();
            var read = columnReader.ReadAll(rows);
            if (read.Length != rows)
            {
                throw new InvalidDataException($"Column {column} of row group {group} holds {read.Length} values for {rows} rows.");
            }
            values.AddRange(read);
        }
        return values;
    }

    /// <summary>ParquetSharp prefixes C++ messages with a mangled type name; keep the words.</summary>
    private static string Describe(Exception e)
    {
        const string Marker = "(message: '";
        var message = e.Message;
        var start = message.IndexOf(Marker, StringComparison.Ordinal);
        return start < 0 ? message : message[(start + Marker.Length)..].TrimEnd(')', '\'');
    }
}
