namespace Mae.Cluster.Bench.Tests;

/// <summary>
/// The README's <c>mae-bench</c> rows against its parser, as the CLI tests check the <c>mae</c> rows: every documented
/// command, option and listed value is accepted, every command has a row, and every option is documented in its row.
/// </summary>
public sealed class ReadmeCommandTableTests
{
    private static readonly ReadmeCommandTable Table = new("mae-bench", BenchCli.Build);

    public static TheoryData<string> Rows() => Table.RowData();

    [Theory]
    [MemberData(nameof(Rows))]
    public void EveryDocumentedOptionAndValueIsAcceptedAndEveryOptionIsDocumented(string row) => Table.AssertRowAgreesWithParser(row);

    [Fact]
    public void EveryCommandHasARow() => Table.AssertEveryCommandHasARow();
}
