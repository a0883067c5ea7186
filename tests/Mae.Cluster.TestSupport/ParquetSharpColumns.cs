using ParquetSharp;

namespace Mae.Cluster.TestSupport;

/// <summary>
/// Whole columns of a result Parquet file read with ParquetSharp (Apache Arrow's C++ reader), independent of the
/// Parquet.Net writer the product uses: what the tests check is what another tool reads.
/// </summary>
public static class ParquetSharpColumns
{
    /// <summary>Every value of column <paramref name="column"/>, over all row groups.</summary>
    public static T[] Read<T>(ParquetFileReader reader, int column)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var values = new List<T>(checked((int)reader.FileMetaData.NumRows));
        for (var group = 0; group < reader.FileMetaData.NumRowGroups; group++)
        {
            using var rowGroup = reader.RowGroup(group);
            values.AddRange(rowGroup.Column(column).LogicalReader<T>().ReadAll(checked((int)rowGroup.MetaData.NumRows)));
        }
        return [.. values];
    }

    /// <summary>
    /// A float column that is required in some files and optional in others (mae_loss: optional and all null in a job
    /// without the loss); ParquetSharp's reader type must match the column's, so each is read as it is written.
    /// </summary>
    public static float?[] ReadNullableFloats(ParquetFileReader reader, int column)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return reader.FileMetaData.Schema.Column(column).MaxDefinitionLevel > 0
            ? Read<float?>(reader, column)
            : [.. Read<float>(reader, column).Select(v => (float?)v)];
    }
}
