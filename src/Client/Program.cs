Console.WriteLine("mae");
