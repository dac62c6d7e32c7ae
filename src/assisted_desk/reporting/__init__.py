"""Reports for coordinators and managers: referral outcomes, skills progress and the desk's
contract indicators, counted by the database, protected by disclosure control before anyone sees
them, and written to the screen, PDF, CSV and XLSX from the same `Report`. No Qt here."""
